#!/bin/sh
# Test stand-in for a mongorestore that never finishes: writes its PID next to itself, says something on
# stderr, then becomes (exec) a long sleep, so killing this PID is what ends it.
here=$(dirname "$0")
echo $$ > "$here/pid.txt"
echo "2025-01-01T00:00:00.000+0000	replaying oplog" >&2
exec sleep 120
