#!/bin/sh
# Test stand-in for a mongodump that never finishes: writes its PID next to itself, says something on
# stderr, then becomes (exec) a long sleep, so killing this PID is what ends it.
dir=$(dirname "$0")
echo $$ > "$dir/pid.txt"
echo "2025-01-01T00:00:00.000+0000	dumping shop.orders ..." >&2
exec sleep 120
