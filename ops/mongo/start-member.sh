#!/bin/sh
# Entrypoint of each replica set member (docker-compose.yaml), as root before the mongo image's docker-entrypoint.sh
# drops to mongod's user (999): the replica set's keyfile from the mongo_keyfile secret, owned by that user with
# mode 0400 as mongod demands (a secret file keeps the host file's owner and mode). With MONGO_INIT_REPLICA_SET=1
# (mongo1) it also runs init-replica-set.sh in the background: it waits for the members, initiates rs0, creates the
# users through the localhost exception and then touches /tmp/rs0-ready, which mongo1's health check requires.
set -eu
install -o 999 -g 999 -m 0400 /run/secrets/mongo_keyfile /tmp/mongo-keyfile
if [ "${MONGO_INIT_REPLICA_SET:-0}" = 1 ]; then
  rm -f /tmp/rs0-ready
  bash /init-replica-set.sh &
fi
exec docker-entrypoint.sh "$@"
