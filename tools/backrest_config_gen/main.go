// Writes a config.json exactly as Backrest's JsonFileStore does
// (protojson, Multiline, two-space indent), from Backrest's own generated
// types: the fixture tests/data/store/backrest_generated_config.json.
//
//	cd tools/backrest_config_gen && go run . > ../../tests/data/store/backrest_generated_config.json
//
//	go run . -check FILE   parses FILE as Backrest's config loader does
//	                       (protojson, DiscardUnknown) and prints it as
//	                       Backrest would write it; exit 1 if it fails.
//
// go.mod points at a Backrest checkout (replace directive); adjust it to
// yours. Not part of the CMake build; the tests only read the output.
package main

import (
	"fmt"
	"os"

	v1 "github.com/garethgeorge/backrest/gen/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-check" {
		data, err := os.ReadFile(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var cfg v1.Config
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &cfg); err != nil {
			fmt.Fprintln(os.Stderr, "backrest cannot load it:", err)
			os.Exit(1)
		}
		out, err := protojson.MarshalOptions{Indent: "  ", Multiline: true}.Marshal(&cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(out)
		return
	}
	cfg := &v1.Config{
		Modno:    42,
		Version:  6,
		Instance: "backrest-hub",
		Repos: []*v1.Repo{{
			Id: "nas", Uri: "rest:http://nas:8000/backups", Guid: "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
			Password: "pw", Env: []string{"RESTIC_X=1"}, Flags: []string{"--verbose"},
			PrunePolicy: &v1.PrunePolicy{MaxUnusedPercent: 25, Schedule: &v1.Schedule{Schedule: &v1.Schedule_MaxFrequencyDays{MaxFrequencyDays: 7}, Clock: v1.Schedule_CLOCK_LAST_RUN_TIME}},
			CheckPolicy: &v1.CheckPolicy{Mode: &v1.CheckPolicy_ReadDataSubsetPercent{ReadDataSubsetPercent: 5}},
			AutoUnlock:  true, Shared: true, OriginInstanceId: "",
		}},
		Plans: []*v1.Plan{{
			Id: "docs", Repo: "nas", Paths: []string{"/home/me/docs"}, Excludes: []string{"*.iso"},
			Schedule:    &v1.Schedule{Schedule: &v1.Schedule_Cron{Cron: "30 2 * * *"}, Clock: v1.Schedule_CLOCK_LOCAL},
			Retention:   &v1.RetentionPolicy{Policy: &v1.RetentionPolicy_PolicyKeepLastN{PolicyKeepLastN: 30}},
			BackupFlags: []string{"--exclude-caches"},
		}},
		Auth: &v1.Auth{Disabled: false, Users: []*v1.User{{Name: "admin", Password: &v1.User_PasswordBcrypt{PasswordBcrypt: "JDJhJDEwJGFiYw=="}}}},
		Multihost: &v1.Multihost{
			Identity: &v1.PrivateKey{Keyid: "ed25519.aWRlbnRpdHlrZXlpZGZvcnRoZWh1Ymluc3RhbmNlMDE", Ed25519Priv: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", Ed25519Pub: "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"},
			KnownHosts: []*v1.Multihost_Peer{{
				InstanceId: "upstream", Keyid: "ed25519.dXBzdHJlYW11cHN0cmVhbXVwc3RyZWFtdXBzdHJlYW0", InstanceUrl: "https://upstream:9898",
				Permissions: []*v1.Multihost_Permission{{Type: v1.Multihost_Permission_PERMISSION_READ_OPERATIONS, Scopes: []string{"*"}}},
			}},
			AuthorizedClients: []*v1.Multihost_Peer{{
				InstanceId: "laptop", Keyid: "ed25519.bGFwdG9wbGFwdG9wbGFwdG9wbGFwdG9wbGFwdG9wbGE",
				Permissions: []*v1.Multihost_Permission{
					{Type: v1.Multihost_Permission_PERMISSION_READ_WRITE_CONFIG, Scopes: []string{"repo:nas", "!plan:docs"}},
					{Type: v1.Multihost_Permission_PERMISSION_RECEIVE_SHARED_REPOS},
				},
			}},
			PairingTokens: []*v1.Multihost_PairingToken{{
				Secret: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", Label: "phone",
				CreatedAtUnix: 1760000000, ExpiresAtUnix: 1790000000, MaxUses: 3, Uses: 1,
				Permissions: []*v1.Multihost_Permission{{Type: v1.Multihost_Permission_PERMISSION_READ_CONFIG, Scopes: []string{"*"}}},
			}},
		},
	}
	data, err := protojson.MarshalOptions{Indent: "  ", Multiline: true}.Marshal(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(data)
}
