#!/usr/bin/env bash
# Initiates replica set rs0 (mongo1 preferred as primary) and creates the root and the backup user, once; then
# touches /tmp/rs0-ready (mongo1's health check). Runs inside mongo1 (start-member.sh, in the background), so
# "localhost" is mongo1: the localhost exception lets it create the first user of a keyfile-secured replica set.
# Idempotent: a later start only checks that both exist.
set -euo pipefail
root_password=$(cat "${MONGO_ROOT_PASSWORD_FILE:?}")
tls_args=(${MONGOSH_TLS_ARGS:-})
msh() { mongosh --quiet --norc "${tls_args[@]}" --host localhost "$@"; }

echo "init-replica-set: waiting for mongod on localhost"
for i in $(seq 1 90); do
  msh --eval 'db.adminCommand("ping").ok' >/dev/null 2>&1 && break
  [ "$i" -lt 90 ] || { echo "init-replica-set: mongod did not answer in 180 s" >&2; exit 1; }
  sleep 2
done

initiated() {
  msh --eval 'rs.status().ok' >/dev/null 2>&1 ||
    msh -u "$MONGO_ROOT_USER" -p "$root_password" --authenticationDatabase admin --eval 'rs.status().ok' >/dev/null 2>&1
}
# rs.initiate checks that every member answers: mongo2 and mongo3 may still be starting, so it is tried again
for i in $(seq 1 60); do
  initiated && break
  echo "init-replica-set: initiating replica set rs0"
  msh --eval 'rs.initiate({_id: "rs0", members: [
      {_id: 0, host: "mongo1:27017", priority: 2},
      {_id: 1, host: "mongo2:27017", priority: 1},
      {_id: 2, host: "mongo3:27017", priority: 1}]})' && break
  [ "$i" -lt 60 ] || { echo "init-replica-set: rs.initiate did not succeed in 120 s (are mongo2 and mongo3 up?)" >&2; exit 1; }
  sleep 2
done

echo "waiting for a primary"
for i in $(seq 1 60); do
  if msh --eval 'db.hello().isWritablePrimary' 2>/dev/null | grep -q true \
     || msh -u "$MONGO_ROOT_USER" -p "$root_password" --authenticationDatabase admin --eval 'db.hello().isWritablePrimary' 2>/dev/null | grep -q true; then
    break
  fi
  sleep 2
done

# the first user, through the localhost exception (fails harmlessly when it already exists)
msh --eval "db.getSiblingDB('admin').createUser({user: '$MONGO_ROOT_USER', pwd: '$root_password', roles: ['root']})" >/dev/null 2>&1 || true

# the backup user: read everything (backup), restore (restore), write its manifest and lock (readWrite ipfs_backup),
# and server status/oplog facts (clusterMonitor)
MONGO_BACKUP_PASSWORD="$MONGO_BACKUP_PASSWORD" msh -u "$MONGO_ROOT_USER" -p "$root_password" --authenticationDatabase admin --eval '
  const admin = db.getSiblingDB("admin");
  const user = process.env.MONGO_BACKUP_USER, pwd = process.env.MONGO_BACKUP_PASSWORD;
  const roles = ["backup", "restore", "clusterMonitor", {role: "readWrite", db: "ipfs_backup"}];
  if (admin.getUser(user) === null) { admin.createUser({user, pwd, roles}); print("created user " + user); }
  else { admin.updateUser(user, {pwd, roles}); print("updated user " + user); }'
touch /tmp/rs0-ready
echo "init-replica-set: replica set rs0 ready"
