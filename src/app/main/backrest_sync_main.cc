#include "app/cli.h"

int main(int argc, char** argv) { return brs::app::RunCli(argc, argv); }
