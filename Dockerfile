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

# 2. mongodump/mongorestore from mongo-tools at a release tag, built the same way as the local stack
#    (src/devstack/build-stack), so the image and the tests use the same tools
FROM golang:1.24 AS mongotools
ARG MONGO_TOOLS_VERSION=100.10.0
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
RUN dir=$(go mod download -json github.com/mongodb/mongo-tools@${MONGO_TOOLS_VERSION} | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') \
 && cp -r "$dir" /build && chmod -R u+w /build && cd /build \
 && go build -trimpath -o /out/mongodump ./mongodump/main \
 && go build -trimpath -o /out/mongorestore ./mongorestore/main

# 3. runtime
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin backup \
 && mkdir -p /app /var/lib/ipfs-backup/work && chown -R 10001 /var/lib/ipfs-backup
COPY --from=mongotools /out/mongodump /out/mongorestore /usr/local/bin/
COPY --from=app /src/target/ipfs-backup.jar /app/ipfs-backup.jar
COPY --from=app /src/target/lib /app/lib
COPY application.properties /app/application.properties
COPY routes /app/routes
ENV BACKUP_CONFIG=/app/application.properties \
    BACKUP_ROUTES_DIR=/app/routes \
    BACKUP_WORK_DIR=/var/lib/ipfs-backup/work
WORKDIR /app
USER 10001
VOLUME ["/var/lib/ipfs-backup/work"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/app/ipfs-backup.jar"]
CMD ["run"]
