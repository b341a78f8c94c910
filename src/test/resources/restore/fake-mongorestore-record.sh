#!/bin/sh
# Test stand-in for a mongorestore that succeeds: records how it was called next to itself (arguments, the
# --config file's content and mode, the files of the --dir tree with their hard-link counts, and the bytes of
# its oplog.bson), prints summary.txt (if the test put one next to it) on stderr as mongorestore prints its
# summary line, and exits 0.
here=$(dirname "$0")
printf '%s\n' "$@" > "$here/args.txt"
cfg=
dir=
for a in "$@"; do
  case "$a" in
    --config=*) cfg=${a#--config=} ;;
    --dir=*) dir=${a#--dir=} ;;
  esac
done
if [ -n "$cfg" ] && [ -f "$cfg" ]; then
  cp "$cfg" "$here/config-seen.yaml"
  stat -c %a "$cfg" > "$here/config-mode.txt"
fi
if [ -n "$dir" ] && [ -d "$dir" ]; then
  (cd "$dir" && find . -type f | LC_ALL=C sort) > "$here/listing.txt"
  (cd "$dir" && find . -type f -exec stat -c '%n %h' {} + | LC_ALL=C sort) > "$here/links.txt"
  if [ -f "$dir/oplog.bson" ]; then
    cp "$dir/oplog.bson" "$here/oplog-seen.bson"
  fi
fi
echo "2025-01-01T00:00:00.000+0000	preparing collections to restore from" >&2
if [ -f "$here/summary.txt" ]; then
  cat "$here/summary.txt" >&2
fi
exit 0
