# ipfs-backup container: multi-stage build, JRE 17, MongoDB database tools (mongodump/mongorestore), non-root.
# Routes and properties can be replaced by volumes: -v ./routes:/app/routes -v ./application.properties:/app/application.properties
# Secrets come from the environment or files: -e BACKUP_ENCRYPTION_KEY_FILE=/run/secrets/backup_key

# 1. the application jar and its libraries
FROM maven:3.9-eclipse-temurin-17 AS app
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY application.properties ./
COPY routes ./routes
COPY src/main ./src/main
RUN mvn -B -q -DskipTests package

# 2. runtime: JRE 17, with mongodump/mongorestore from MongoDB's own package repository (mongodb-database-tools)
FROM eclipse-temurin:17-jre-jammy
ARG MONGO_TOOLS_VERSION=100.10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl gnupg ca-certificates \
 && curl -fsSL https://pgp.mongodb.com/server-7.0.asc | gpg --dearmor -o /usr/share/keyrings/mongodb-7.0.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/mongodb-7.0.gpg] https://repo.mongodb.org/apt/ubuntu jammy/mongodb-org/7.0 multiverse" \
      > /etc/apt/sources.list.d/mongodb-org-7.0.list \
 && apt-get update && apt-get install -y --no-install-recommends "mongodb-database-tools=${MONGO_TOOLS_VERSION}" \
 && apt-get purge -y curl gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin backup \
 && mkdir -p /app /var/lib/ipfs-backup/work /var/lib/ipfs-backup/alert-spool && chown -R 10001 /var/lib/ipfs-backup
COPY --from=app /src/target/ipfs-backup.jar /app/ipfs-backup.jar
COPY --from=app /src/target/lib /app/lib
COPY application.properties /app/application.properties
COPY routes /app/routes
ENV BACKUP_CONFIG=/app/application.properties \
    BACKUP_ROUTES_DIR=/app/routes \
    BACKUP_WORK_DIR=/var/lib/ipfs-backup/work
WORKDIR /app
USER 10001
VOLUME ["/var/lib/ipfs-backup/work", "/var/lib/ipfs-backup/alert-spool"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/app/ipfs-backup.jar"]
CMD ["run"]
