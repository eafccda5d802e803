#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make run`: boot the x86-vtd machine and run the demo, printing
# its transcript.  The demo program is demo/demo-sh until the userspace
# driver exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/vm-run.sh" --quiet --timeout 300 --demo "$here/demo/demo-sh" x86-vtd
