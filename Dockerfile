# ipfs-backup container: JRE 17, MongoDB database tools (mongodump/mongorestore), non-root (uid 10001).
#
# Production (the defaults: public images, the jar built by Maven in the first stage, mongodump/mongorestore from
# MongoDB's signed apt repository):
#   docker build -t ipfs-backup .
#   docker run -e MONGODB_URI=... -e IPFS_CLUSTER_NODE_1=... -e BACKUP_ENCRYPTION_KEY_FILE=/run/secrets/backup_key \
#     -v ./routes:/app/routes:ro -v ./application.properties:/app/application.properties:ro ipfs-backup
#
# Without a registry (bin/container build does this): local base images and a prepared build context holding the jar
# built on the host (app/ipfs-backup.jar, app/lib/) and the tools built by bin/devstack build (mongo-tools/):
#   podman build --build-arg BUILD_IMAGE=localhost/ipfs-backup-base --build-arg RUNTIME_IMAGE=localhost/ipfs-backup-base \
#     --build-arg APP_SOURCE=context --build-arg MONGO_TOOLS_SOURCE=context -f Dockerfile target/container/context
#
# Routes and properties are read from /app/routes and /app/application.properties (BACKUP_ROUTES_DIR, BACKUP_CONFIG):
# mount your own over them. Secrets come only from the environment or from files named by NAME_FILE
# (BACKUP_ENCRYPTION_KEY_FILE, IPFS_CLUSTER_PASSWORD_FILE, IPFS_CLUSTER_TOKEN_FILE, ALERT_SMTP_PASSWORD_FILE), e.g.
# Docker/Compose secrets under /run/secrets. TLS certificates for MongoDB: mount them (e.g. /etc/ipfs-backup/tls) and
# name them in MONGODB_URI (tlsCAFile=..., tlsCertificateKeyFile=...). The image runs with a read-only root file
# system: only the two volumes below (and /tmp) are written.

# the image that builds the jar (APP_SOURCE=maven) and the image the service runs on (needs a JRE 17 and curl)
ARG BUILD_IMAGE=maven:3.8.7-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre-jammy
# where the jar comes from: "maven" (built here from pom.xml and src/main) or "context" (app/ipfs-backup.jar and
# app/lib/ of the build context, built beforehand with mvn package)
ARG APP_SOURCE=maven
# where mongodump/mongorestore come from: "mongodb" (MongoDB's signed apt repository, Ubuntu jammy runtime image) or
# "context" (mongo-tools/mongodump and mongo-tools/mongorestore of the build context, static binaries)
ARG MONGO_TOOLS_SOURCE=mongodb

# ---- the application jar and its runtime libraries, in /out ----------------------------------------------------------
FROM ${BUILD_IMAGE} AS app-maven
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY application.properties ./
COPY routes ./routes
COPY src/main ./src/main
RUN mvn -B -q -DskipTests package && mkdir /out && cp -r target/ipfs-backup.jar target/lib /out/

FROM ${BUILD_IMAGE} AS app-context
COPY app/ipfs-backup.jar /out/ipfs-backup.jar
COPY app/lib /out/lib

FROM app-${APP_SOURCE} AS app

# ---- the runtime with mongodump/mongorestore ---------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime-mongodb
# pinned; the apt repository's signed Release file (key server-7.0.asc) vouches for the package's checksum
ARG MONGO_TOOLS_VERSION=100.10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl gnupg ca-certificates \
 && curl -fsSL https://pgp.mongodb.com/server-7.0.asc | gpg --dearmor -o /usr/share/keyrings/mongodb-7.0.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/mongodb-7.0.gpg] https://repo.mongodb.org/apt/ubuntu jammy/mongodb-org/7.0 multiverse" \
      > /etc/apt/sources.list.d/mongodb-org-7.0.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends "mongodb-database-tools=${MONGO_TOOLS_VERSION}" \
 && apt-get purge -y gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# curl stays: the HEALTHCHECK uses it

FROM ${RUNTIME_IMAGE} AS runtime-context
COPY --chmod=0755 mongo-tools/mongodump mongo-tools/mongorestore /usr/bin/

FROM runtime-${MONGO_TOOLS_SOURCE}
ARG MONGO_TOOLS_VERSION=100.10.0
# the tools must be the pinned version whatever their source (the application checks it again at start-up); the
# user is "ipfs-backup": Debian and Ubuntu have a system user "backup" (uid 34) already
RUN mongodump --version | grep -qx "mongodump version: ${MONGO_TOOLS_VERSION}" \
 && mongorestore --version | grep -qx "mongorestore version: ${MONGO_TOOLS_VERSION}" \
 && command -v curl >/dev/null \
 && groupadd --system --gid 10001 ipfs-backup \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin ipfs-backup \
 && mkdir -p /app/routes /var/lib/ipfs-backup/work /var/lib/ipfs-backup/alert-spool /var/lib/ipfs-backup/cache \
 && chown -R 10001:10001 /var/lib/ipfs-backup \
 && chmod 0700 /var/lib/ipfs-backup/work /var/lib/ipfs-backup/alert-spool /var/lib/ipfs-backup/cache

COPY --from=app /out/ipfs-backup.jar /app/ipfs-backup.jar
COPY --from=app /out/lib /app/lib
COPY application.properties /app/application.properties
COPY routes /app/routes
# class-data sharing (docs/performance.md): a training run (org.ipfsbackup.restore.StartupTraining: no network but
# the loopback address, a temporary directory only) archives the classes a one-shot command loads; every JVM of the image maps them
# (JAVA_TOOL_OPTIONS below). -Xshare:auto with -Xlog:cds=off: a missing or non-matching archive is ignored
# silently, never fatal; a failed training run leaves no archive and the image builds all the same. -Xint: Java 17
# would archive a method queued for compilation at the training's end as queued, and never compile it (JDK-8306460).
RUN java -Xint -XX:ArchiveClassesAtExit=/app/ipfs-backup.jsa -Xshare:auto -cp /app/ipfs-backup.jar org.ipfsbackup.restore.StartupTraining \
      >/dev/null 2>&1 || rm -f /app/ipfs-backup.jsa

# local cache for fast recovery (docs/cache.md): uploaded encrypted files (ciphertext) by CID, oldest evicted beyond
# 1 GiB. A volume (VOLUME below; name it, as docker-compose.yaml does, to keep it across container re-creation; a
# tmpfs works too, at the cost of memory): with --read-only it is the only place the cache can be. BACKUP_CACHE_DIR= turns it off.
ENV BACKUP_CONFIG=/app/application.properties \
    BACKUP_ROUTES_DIR=/app/routes \
    BACKUP_WORK_DIR=/var/lib/ipfs-backup/work \
    ALERT_SPOOL_DIR=/var/lib/ipfs-backup/alert-spool \
    BACKUP_CACHE_DIR=/var/lib/ipfs-backup/cache \
    BACKUP_CACHE_MAX=1GiB \
    MONGODUMP_PATH=/usr/bin/mongodump \
    MONGORESTORE_PATH=/usr/bin/mongorestore \
    MANAGEMENT_HOST=0.0.0.0 \
    MANAGEMENT_PORT=9464 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=64m -Xss512k -XX:+ExitOnOutOfMemoryError -XX:SharedArchiveFile=/app/ipfs-backup.jsa -Xshare:auto -Xlog:cds=off,cds+dynamic=off -XX:CompileThresholdScaling=4 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.1"

WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/ipfs-backup/work", "/var/lib/ipfs-backup/alert-spool", "/var/lib/ipfs-backup/cache"]
# management HTTP server (camel.management.port, MANAGEMENT_PORT): /observe/health, /observe/metrics; bound to all
# interfaces in the container so Prometheus can scrape it (Jolokia still answers loopback clients only). On the
# host network (podman run --network host) set MANAGEMENT_HOST=127.0.0.1.
EXPOSE 9464
# liveness: /observe/health/live (Camel's liveness checks: today the Camel context alone). Not /observe/health: that
# is readiness (MongoDB, the cluster, the last backup) and answers 503 until the first backup succeeded, so a fresh
# deployment would never turn healthy. Port from MANAGEMENT_PORT, so a container on the host network can move it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${MANAGEMENT_PORT}/observe/health/live" || exit 1
STOPSIGNAL SIGTERM
# JVM sized for a 512 MB container (JAVA_TOOL_OPTIONS above: heap 50 % of the container's limit, capped metaspace,
# code cache and direct buffers; JIT thresholds as bin/ipfs-backup sets them, see there); a
# `podman exec ... java -jar /app/ipfs-backup.jar backup full` gets the same.
ENTRYPOINT ["java", "-jar", "/app/ipfs-backup.jar"]
CMD ["run"]
