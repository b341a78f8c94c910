#!/usr/bin/env bash
# Initiates replica set rs0 (mongo1 preferred as primary) and creates the root and the backup user, once.
# Runs in mongo1's network namespace, so "localhost" is mongo1: the localhost exception lets it create the first user
# of a keyfile-secured replica set. Idempotent: a second run only checks that both exist.
set -euo pipefail
root_password=$(cat "${MONGO_ROOT_PASSWORD_FILE:?}")
tls_args=(${MONGOSH_TLS_ARGS:-})
msh() { mongosh --quiet --norc "${tls_args[@]}" --host localhost "$@"; }

if ! msh --eval 'rs.status().ok' >/dev/null 2>&1 && ! msh -u "$MONGO_ROOT_USER" -p "$root_password" --authenticationDatabase admin --eval 'rs.status().ok' >/dev/null 2>&1; then
  echo "initiating replica set rs0"
  msh --eval 'rs.initiate({_id: "rs0", members: [
      {_id: 0, host: "mongo1:27017", priority: 2},
      {_id: 1, host: "mongo2:27017", priority: 1},
      {_id: 2, host: "mongo3:27017", priority: 1}]})'
fi

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
echo "replica set rs0 ready"
