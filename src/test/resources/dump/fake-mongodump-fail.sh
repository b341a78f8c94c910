#!/bin/sh
# Test stand-in for a failing mongodump: records how it was called (arguments, the --config file's
# content and mode) next to itself, then fails the way mongodump does: messages on stderr, exit code 3.
# The last stderr line repeats the URI from the config file, as a driver error message might.
# answers --version like mongo-tools 100.10.0 does (the engine checks it at start-up)
if [ "${1:-}" = --version ]; then printf 'mongodump version: 100.10.0\ngit version: 6d4f001be3fc\n'; exit 0; fi
dir=$(dirname "$0")
printf '%s\n' "$@" > "$dir/args.txt"
cfg=
for a in "$@"; do
  case "$a" in --config=*) cfg=${a#--config=} ;; esac
done
uri=
if [ -n "$cfg" ] && [ -f "$cfg" ]; then
  cp "$cfg" "$dir/config-seen.yaml"
  stat -c %a "$cfg" > "$dir/config-mode.txt"
  uri=$(sed -n 's/^uri: "\(.*\)"$/\1/p' "$cfg")
fi
echo "2025-01-01T00:00:00.000+0000	writing shop.orders to dump/shop/orders.bson" >&2
echo "2025-01-01T00:00:00.000+0000	Failed: error connecting to $uri: authentication failed" >&2
exit 3
