#!/bin/sh
# Test stand-in for a failing mongorestore: records its arguments next to itself, then fails the way
# mongorestore does: log lines on stderr (one repeating the URI from the --config file, as a driver error
# message might), the summary line, exit code 1.
here=$(dirname "$0")
printf '%s\n' "$@" > "$here/args.txt"
cfg=
for a in "$@"; do
  case "$a" in --config=*) cfg=${a#--config=} ;; esac
done
uri=
if [ -n "$cfg" ] && [ -f "$cfg" ]; then
  uri=$(sed -n 's/^uri: "\(.*\)"$/\1/p' "$cfg")
fi
echo "2025-01-01T00:00:00.000+0000	restoring shop.orders from dump/shop/orders.bson" >&2
echo "2025-01-01T00:00:00.000+0000	Failed: error connecting to $uri: authentication failed" >&2
echo "2025-01-01T00:00:00.000+0000	0 document(s) restored successfully. 0 document(s) failed to restore." >&2
exit 1
