package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"brs/syncgen/types"
	v1 "brs/syncgen/v1"
	"brs/syncgen/v1sync"
)

// peerState is a --state file: lines `put ID MODNO` and `del ID`.
type peerState struct {
	puts    [][2]int64
	deletes []int64
}

// maxStateLines bounds a --state file (a test's input, but bounded anyway).
const maxStateLines = 1 << 20

func readState(path string) (*peerState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := &peerState{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n > maxStateLines {
			return nil, fmt.Errorf("%s: more than %d lines", path, maxStateLines)
		}
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		nums := make([]int64, 0, 2)
		for _, f := range fields[1:] {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("%s:%d: bad number %q", path, n, f)
			}
			nums = append(nums, v)
		}
		switch {
		case fields[0] == "put" && len(nums) == 2:
			st.puts = append(st.puts, [2]int64{nums[0], nums[1]})
		case fields[0] == "del" && len(nums) == 1:
			st.deletes = append(st.deletes, nums[0])
		default:
			return nil, fmt.Errorf("%s:%d: want `put ID MODNO` or `del ID`", path, n)
		}
	}
	return st, sc.Err()
}

// pushState sends receive_resources, the state's ops (their own IDs and
// modnos) 100 per receive_operations{created_operations}, then its deleted
// IDs in one receive_operations{deleted_operations}.
func pushState(s *session, cfg clientConfig) error {
	if err := s.send(&v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_ReceiveResources{
		ReceiveResources: &v1sync.SyncStreamItem_SyncActionReceiveResources{
			Repos: []*v1sync.RepoMetadata{{Id: "repo1", Guid: "guid-repo1"}},
			Plans: []*v1sync.PlanMetadata{{Id: "plan1"}},
		},
	}}); err != nil {
		return err
	}
	start := time.Now().UnixMilli()
	var batch []*v1.Operation
	for i, p := range cfg.state.puts {
		batch = append(batch, &v1.Operation{
			Id:              p[0],
			Modno:           p[1],
			FlowId:          p[0],
			RepoId:          "repo1",
			RepoGuid:        "guid-repo1",
			PlanId:          "plan1",
			InstanceId:      cfg.instance,
			Status:          v1.OperationStatus_STATUS_SUCCESS,
			UnixTimeStartMs: start + int64(i),
			UnixTimeEndMs:   start + int64(i) + 1,
			DisplayMessage:  fmt.Sprintf("syncpeer operation %d modno %d", p[0], p[1]),
			Op:              &v1.Operation_OperationBackup{OperationBackup: &v1.OperationBackup{}},
		})
		if len(batch) < 100 && i+1 < len(cfg.state.puts) {
			continue
		}
		if err := s.send(&v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_ReceiveOperations{
			ReceiveOperations: &v1sync.SyncStreamItem_SyncActionReceiveOperations{
				Event: &v1.OperationEvent{Event: &v1.OperationEvent_CreatedOperations{
					CreatedOperations: &v1.OperationList{Operations: batch},
				}},
			},
		}}); err != nil {
			return err
		}
		batch = nil
	}
	if len(cfg.state.deletes) == 0 {
		return nil
	}
	return s.send(&v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_ReceiveOperations{
		ReceiveOperations: &v1sync.SyncStreamItem_SyncActionReceiveOperations{
			Event: &v1.OperationEvent{Event: &v1.OperationEvent_DeletedOperations{
				DeletedOperations: &types.Int64List{Values: cfg.state.deletes},
			}},
		},
	}})
}
