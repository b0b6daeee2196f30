# The gateway as a container. Build the jar first, then the image:
#   mvn -B -DskipTests package && docker build -t mono-webhook-gateway .
# Settings come from environment variables (README, "Configuration"); routes/ can be mounted over /app/routes.
FROM eclipse-temurin:17-jre

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mono
WORKDIR /app
COPY target/mono-webhook-gateway.jar /app/mono-webhook-gateway.jar
COPY application.properties /app/application.properties
COPY routes /app/routes
RUN mkdir -p /app/data && chown mono /app/data

USER mono
# Only the embedded database (no MONO_DB_URL) and alert files live here: keep it on a volume, or set MONO_DB_URL.
ENV MONO_DATA_DIR=/app/data
VOLUME /app/data
# 8080: the webhook (Mono must reach it); 9090: health, metrics, admin API and console (keep it private).
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD curl -fsS http://localhost:9090/observe/health/ready > /dev/null || exit 1
ENTRYPOINT ["java", "-Xms256m", "-Xmx256m", "-jar", "/app/mono-webhook-gateway.jar"]
