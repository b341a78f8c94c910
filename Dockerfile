# ipfs-backup container: multi-stage build, JRE 17, MongoDB database tools (mongodump/mongorestore), non-root.
#
#   docker build -t ipfs-backup .
#   docker run -e MONGODB_URI=... -e IPFS_CLUSTER_NODE_1=... -e BACKUP_ENCRYPTION_KEY_FILE=/run/secrets/backup_key \
#     -v ./routes:/app/routes:ro -v ./application.properties:/app/application.properties:ro ipfs-backup
#
# Routes and properties are read from /app/routes and /app/application.properties (BACKUP_ROUTES_DIR, BACKUP_CONFIG):
# mount your own over them. Secrets come only from the environment or from files named by NAME_FILE
# (BACKUP_ENCRYPTION_KEY_FILE, IPFS_CLUSTER_PASSWORD_FILE, IPFS_CLUSTER_TOKEN_FILE, ALERT_SMTP_PASSWORD_FILE), e.g.
# Docker/Compose secrets under /run/secrets. TLS certificates for MongoDB: mount them (e.g. /etc/ipfs-backup/tls) and
# name them in MONGODB_URI (tlsCAFile=..., tlsCertificateKeyFile=...).

# 1. the application jar and its runtime libraries
FROM maven:3.8.7-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY application.properties ./
COPY routes ./routes
COPY src/main ./src/main
RUN mvn -B -q -DskipTests package

# 2. runtime: JRE 17 on Ubuntu 22.04, mongodump/mongorestore from MongoDB's own signed apt repository
FROM eclipse-temurin:17-jre-jammy
# pinned; the apt repository's signed Release file (key server-7.0.asc) vouches for the package's checksum
ARG MONGO_TOOLS_VERSION=100.10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl gnupg ca-certificates \
 && curl -fsSL https://pgp.mongodb.com/server-7.0.asc | gpg --dearmor -o /usr/share/keyrings/mongodb-7.0.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/mongodb-7.0.gpg] https://repo.mongodb.org/apt/ubuntu jammy/mongodb-org/7.0 multiverse" \
      > /etc/apt/sources.list.d/mongodb-org-7.0.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends "mongodb-database-tools=${MONGO_TOOLS_VERSION}" \
 && apt-get purge -y gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && mongodump --version && mongorestore --version
# curl stays: the HEALTHCHECK uses it

RUN groupadd --system --gid 10001 backup \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin backup \
 && mkdir -p /app/routes /var/lib/ipfs-backup/work /var/lib/ipfs-backup/alert-spool \
 && chown -R 10001:10001 /var/lib/ipfs-backup

COPY --from=build /src/target/ipfs-backup.jar /app/ipfs-backup.jar
COPY --from=build /src/target/lib /app/lib
COPY application.properties /app/application.properties
COPY routes /app/routes

ENV BACKUP_CONFIG=/app/application.properties \
    BACKUP_ROUTES_DIR=/app/routes \
    BACKUP_WORK_DIR=/var/lib/ipfs-backup/work \
    ALERT_SPOOL_DIR=/var/lib/ipfs-backup/alert-spool \
    MONGODUMP_PATH=/usr/bin/mongodump \
    MONGORESTORE_PATH=/usr/bin/mongorestore \
    MANAGEMENT_HOST=0.0.0.0 \
    MANAGEMENT_PORT=9464

WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/ipfs-backup/work", "/var/lib/ipfs-backup/alert-spool"]
# management HTTP server (camel.management.port, MANAGEMENT_PORT): /observe/health, /observe/metrics; bound to all
# interfaces in the container so Prometheus can scrape it (Jolokia still answers loopback clients only)
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9464/observe/health/live || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/ipfs-backup.jar"]
CMD ["run"]
