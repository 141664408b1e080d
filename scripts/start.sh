#!/usr/bin/env bash
# `npm start`: installs what is missing, brings the infrastructure up, builds, starts the four
# services in the background (logs and pids under .infra/run/) and prints where to look.
# `npm stop` stops the services; `npm run infra:down` stops the infrastructure.
source "$(dirname "$0")/lib/common.sh"
started=$(date +%s)

prepare

declare -A PORTS=([intake]=3001 [matching]=3002 [contract-tracking]=3003 [reporting]=3004)
mkdir -p .infra/run
bash scripts/stop.sh --quiet
command_template=$(cat deploy/service-command.txt)
for service in intake matching contract-tracking reporting; do
  command=${command_template//\$\{SERVICE\}/$service}
  log "starting $service on port ${PORTS[$service]}"
  # On the local secured broker each service logs in as its own principal (scripts/infra/env.sh has the
  # passwords; deploy/kafka/access.conf what each may do), and creates no topic, as in production. Exported
  # in a subshell rather than put on a command line, where `ps` would show the password.
  (
    password_var="KAFKA_${service//-/_}_PASSWORD"
    password_var=${password_var^^}
    if [ -n "${!password_var:-}" ]; then
      export KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME="$service" KAFKA_SASL_PASSWORD="${!password_var}" KAFKA_CREATE_TOPICS=false
      # ...and knows no other principal's password.
      unset $(compgen -v | grep -E '^KAFKA_[A-Z_]+_PASSWORD$' | grep -vx KAFKA_SASL_PASSWORD)
    fi
    # The development signing key is trusted only when NODE_ENV=development is said (see libs/platform config).
    export NODE_ENV="${NODE_ENV:-development}" PORT="${PORTS[$service]}"
    exec nohup $command >".infra/run/$service.log" 2>&1
  ) &
  echo $! >".infra/run/$service.pid"
done

for service in intake matching contract-tracking reporting; do
  url="http://127.0.0.1:${PORTS[$service]}/health/ready"
  for _ in $(seq 1 120); do
    curl -fsS "$url" >/dev/null 2>&1 && break
    if ! kill -0 "$(cat ".infra/run/$service.pid")" 2>/dev/null; then
      echo "$service stopped during start; the end of .infra/run/$service.log:" >&2
      tail -n 30 ".infra/run/$service.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  curl -fsS "$url" >/dev/null || { echo "$service did not become ready: see .infra/run/$service.log" >&2; exit 1; }
done

broker_token=$(node scripts/token.cjs broker broker-demo park-demo)
analyst_token=$(node scripts/token.cjs analyst analyst-demo)
admin_token=$(node scripts/token.cjs admin admin-demo)
cat <<EOT

Technology-transfer brokerage is running ($(($(date +%s) - started)) s).

  intake             http://127.0.0.1:3001/docs   enterprises and needs (brokers), 需求征集表 import, overdue list
  matching           http://127.0.0.1:3002/docs   supply catalogue, six kinds (sample loaded; admins manage it) and proposals
  contract-tracking  http://127.0.0.1:3003/docs   deals: intent → signed → registered (corrected, amended, revoked)
  reporting          http://127.0.0.1:3004/docs   totals, 输出/吸纳, funnel by cohort; XLSX/CSV export; events, webhooks
  totals             curl -H "Authorization: Bearer \$ANALYST_TOKEN" http://127.0.0.1:3004/totals
  export             curl -OJ -H "Authorization: Bearer \$ANALYST_TOKEN" http://127.0.0.1:3004/totals/export
  需求征集表 template curl -OJ -H "Authorization: Bearer \$BROKER_TOKEN" http://127.0.0.1:3001/needs/imports/template

  Dashboard (技术合同成交统计看板): http://127.0.0.1:3004/dashboard   (sign in with the analyst token below)

  Deal events for analysts (payloads without party names or contacts):
    cursor   curl -H "Authorization: Bearer \$ANALYST_TOKEN" "http://127.0.0.1:3004/events?after=0&limit=100"
    stream   curl -N -H "Authorization: Bearer \$ANALYST_TOKEN" http://127.0.0.1:3004/events/stream   (SSE; resume with -H "Last-Event-ID: <id>")
    webhook  curl -H "Authorization: Bearer \$ANALYST_TOKEN" -H "Content-Type: application/json" http://127.0.0.1:3004/webhooks \\
               -d '{"url":"http://127.0.0.1:9000/hooks/deals","types":["cn.techtransfer.transaction.logged.v2"],"parks":["park-demo"]}'
             The answer holds the whsec_ signing secret (shown once); deliveries follow Standard Webhooks
             (webhook-id, webhook-timestamp, webhook-signature), are retried with backoff, and are listed at
             /webhooks/<id>/deliveries. Receivers on loopback or a private network are refused unless
             allowed: start with WEBHOOK_ALLOWED_TARGETS=127.0.0.1/32 npm start for a local receiver.
             Kafka itself: topic techtransfer.contracts.deal.v1 (docs/asyncapi.yaml).

  Kafka $KAFKA_BROKERS · MongoDB-wire $MONGO_URL · Redis $REDIS_URL

Tokens for trying it out (12 h; make more with: node scripts/token.cjs broker <id> <park> | analyst <id> | admin <id>):
  export BROKER_TOKEN=$broker_token
  export ANALYST_TOKEN=$analyst_token
  export ADMIN_TOKEN=$admin_token

Logs: .infra/run/<service>.log · stop: npm stop (services), npm run infra:down (infrastructure)
EOT
