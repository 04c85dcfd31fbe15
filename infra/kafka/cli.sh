#!/usr/bin/env bash
# Run a Kafka command-line tool from infra/kafka/lib against the local broker.
#
#   infra/kafka/cli.sh topics --list
#   infra/kafka/cli.sh topics --create --topic t --partitions 3
#   infra/kafka/cli.sh console-consumer --topic t --from-beginning
#   infra/kafka/cli.sh consumer-groups --list
#   infra/kafka/cli.sh org.apache.kafka.tools.SomeOtherTool --its --args
#
# --bootstrap-server 127.0.0.1:$HOUQIN_KAFKA_PORT (every node of a cluster) is added unless given.
# Jars must be resolved already (infra/kafka/start.sh does that).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

if [[ $# -lt 1 ]]; then
  sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  echo "tools: topics consumer-groups console-producer console-consumer configs get-offsets api-versions"
  exit 2
fi
[[ -n "$(lib_version)" ]] || { echo "kafka: jars not resolved; run infra/kafka/start.sh first" >&2; exit 1; }

tool="$1"; shift
case "$tool" in
  topics)           cls=org.apache.kafka.tools.TopicCommand ;;
  consumer-groups)  cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  configs)          cls=org.apache.kafka.tools.ConfigCommand ;;
  get-offsets)      cls=org.apache.kafka.tools.GetOffsetShell ;;
  api-versions)     cls=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  *.*)              cls="$tool" ;;
  *) echo "kafka: unknown tool '$tool' (run without arguments for the list)" >&2; exit 2 ;;
esac

args=("$@")
case " $* " in
  *" --bootstrap-server "*|*" --bootstrap-server="*|*" --help "*|*" -h "*) ;;
  *) args=(--bootstrap-server "$KAFKA_BOOTSTRAP" "${args[@]}") ;;
esac
# No log4j2 config: the tools then only log errors, to the console.
exec "$JAVA" -Xmx256m -cp "$LIB_DIR/*" "$cls" "${args[@]}"
