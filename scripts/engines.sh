#!/usr/bin/env bash
# Starts, stops and reports the five engines Echo scales out on, on loopback with throwaway data:
#   mariadb 13306, redis 16379, etcd 12379 (peer 12380), kafka 19092 (controller 19093), s3 (S3Proxy) 18080.
#
#   eval "$(bash scripts/engines.sh up)"      # all five; or name some: up redis etcd
#   bash scripts/engines.sh status [engine...]
#   bash scripts/engines.sh down [engine...]
#
# `up` installs what is missing (MariaDB, Redis, etcd from Debian; Kafka 4.x and S3Proxy jars from Maven Central,
# cached in ~/.m2 and copied under the data dir), starts each engine unless its pid file says it already runs,
# waits until it answers, and prints ONLY `export NAME=value` lines on stdout (everything else goes to stderr).
# `down` stops, by pid, only what `up` started. Data, logs and pid files live in $ENGINES_DIR (default: .engines/).
#
# Measured on the shared 2-core development machine (Debian 12, Java 17, Maven 3.8), all five engines:
#   Debian packages installed, empty Maven repo and data dir:  39 s (Kafka jars 16 s, S3Proxy jar 15 s to resolve)
#   the Debian installs on top of that, when missing:          ~5 s each for redis and etcd, ~10 s for mariadb
#   cached (after `down`, jars and data dir kept):              8-9 s (the Kafka broker takes 5 s of it)
#   already running:                                            0.1 s (prints the exports again)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENGINES_DIR="${ENGINES_DIR:-$ROOT/.engines}"
ALL_ENGINES=(mariadb redis etcd kafka s3)
HOST=127.0.0.1
# ENGINES_PORT_OFFSET shifts every port, so that two checkouts can each run their own set on one machine
# (give each its own ENGINES_DIR too).
OFFSET="${ENGINES_PORT_OFFSET:-0}"
MARIADB_PORT=$((13306 + OFFSET))
REDIS_PORT=$((16379 + OFFSET))
ETCD_PORT=$((12379 + OFFSET))
ETCD_PEER_PORT=$((12380 + OFFSET))
KAFKA_PORT=$((19092 + OFFSET))
KAFKA_CONTROLLER_PORT=$((19093 + OFFSET))
S3_PORT=$((18080 + OFFSET))

log() { echo "engines: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# --- helpers -------------------------------------------------------------------------------------------------

pid_of() { # pid from our pid file, when that process is alive
  local file="$ENGINES_DIR/$1.pid"
  [[ -s $file ]] || return 1
  local pid
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Waits for "$@" to succeed (every 0.1 s) for up to $1 seconds; on timeout shows the engine's log.
wait_until() {
  local seconds=$1 name=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$name did not answer within ${seconds}s; last lines of $ENGINES_DIR/$name.log:"
      tail -n 30 "$ENGINES_DIR/$name.log" >&2 2>/dev/null || true
      exit 1
    fi
    if ! pid_of "$name" >/dev/null; then
      log "$name exited while starting; last lines of $ENGINES_DIR/$name.log:"
      tail -n 30 "$ENGINES_DIR/$name.log" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
}

# Starts a long-running program detached from this shell (own session, no tty, output to its log) and records
# its pid. The program is exec'd, so the recorded pid is the server itself.
spawn() {
  local name=$1
  shift
  setsid "$@" </dev/null >>"$ENGINES_DIR/$name.log" 2>&1 &
  echo $! >"$ENGINES_DIR/$name.pid"
}

APT_UPDATED=0
apt_install() { # apt_install <command that must exist> <package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    APT_UPDATED=1
  fi
  log "installing $2 from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >&2
}

need_java() {
  command -v java >/dev/null 2>&1 || apt_install java openjdk-17-jre-headless
  command -v mvn >/dev/null 2>&1 || apt_install mvn maven
}

# Copies the jars a pom in scripts/engines/<dir> names into $ENGINES_DIR/<dir>/libs (once; ~/.m2 caches the download).
maven_libs() {
  local dir=$1 libs="$ENGINES_DIR/$1/libs" stamp="$ENGINES_DIR/$1/libs/.pom.sha1"
  local want
  want="$(sha1sum "$ROOT/scripts/engines/$dir/pom.xml" | cut -d' ' -f1)"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  need_java
  log "resolving $dir jars from Maven Central (cached in ~/.m2)"
  rm -rf "$libs"
  mkdir -p "$libs"
  if ! mvn -B -q -f "$ROOT/scripts/engines/$dir/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$libs" >"$ENGINES_DIR/maven-$dir.log" 2>&1; then
    tail -n 30 "$ENGINES_DIR/maven-$dir.log" >&2
    die "$dir: maven could not resolve scripts/engines/$dir/pom.xml (log: $ENGINES_DIR/maven-$dir.log)"
  fi
  echo "$want" >"$stamp"
}

# --- MariaDB -------------------------------------------------------------------------------------------------

up_mariadb() {
  apt_install mariadbd mariadb-server
  local data="$ENGINES_DIR/mariadb" run="$ENGINES_DIR/mariadb-run"
  mkdir -p "$run"
  chown mysql:mysql "$run"
  if [[ ! -d $data/mysql ]]; then
    mkdir -p "$data"
    chown mysql:mysql "$data"
    mariadb-install-db --user=mysql --datadir="$data" --auth-root-authentication-method=normal --skip-test-db \
      >>"$ENGINES_DIR/mariadb.log" 2>&1 || die "mariadb: mariadb-install-db failed (see $ENGINES_DIR/mariadb.log)"
  fi
  spawn mariadb /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$data" --bind-address=$HOST \
    --port=$MARIADB_PORT --socket="$run/mysqld.sock" --pid-file="$run/mariadbd.pid" --skip-log-bin
  wait_until 60 mariadb bash -c "mariadb-admin --socket='$run/mysqld.sock' -uroot ping | grep -q alive"
  mariadb --socket="$run/mysqld.sock" -uroot -e "CREATE DATABASE IF NOT EXISTS echo;
    CREATE USER IF NOT EXISTS 'echo'@'127.0.0.1' IDENTIFIED BY 'echo';
    CREATE USER IF NOT EXISTS 'echo'@'localhost' IDENTIFIED BY 'echo';
    GRANT ALL ON echo.* TO 'echo'@'127.0.0.1'; GRANT ALL ON echo.* TO 'echo'@'localhost';
    GRANT ALL ON \`echo\\_%\`.* TO 'echo'@'127.0.0.1'; GRANT ALL ON \`echo\\_%\`.* TO 'echo'@'localhost';
    GRANT CREATE ON *.* TO 'echo'@'127.0.0.1'; GRANT CREATE ON *.* TO 'echo'@'localhost';" || die "mariadb: could not create database/user echo"
}
answers_mariadb() { mariadb-admin -h$HOST -P$MARIADB_PORT -uecho -pecho ping 2>/dev/null | grep -q alive; }
exports_mariadb() {
  echo "export DB_HOST=$HOST"
  echo "export DB_PORT=$MARIADB_PORT"
  echo "export DB_USER=echo"
  echo "export DB_PASSWORD=echo"
  echo "export DB_NAME=echo"
}

# --- Redis ---------------------------------------------------------------------------------------------------

up_redis() {
  apt_install redis-server redis-server
  mkdir -p "$ENGINES_DIR/redis"
  # not --daemonize: spawn keeps the server's own pid, which the fault tests use to restart it
  spawn redis redis-server --bind $HOST --port $REDIS_PORT --dir "$ENGINES_DIR/redis" --save '' --appendonly no
  wait_until 20 redis bash -c "redis-cli -h $HOST -p $REDIS_PORT ping | grep -q PONG"
}
answers_redis() { redis-cli -h $HOST -p $REDIS_PORT ping 2>/dev/null | grep -q PONG; }
exports_redis() {
  echo "export REDIS_HOST=$HOST"
  echo "export REDIS_PORT=$REDIS_PORT"
}

# --- etcd ----------------------------------------------------------------------------------------------------

up_etcd() {
  apt_install etcd etcd-server
  mkdir -p "$ENGINES_DIR/etcd"
  spawn etcd etcd --name echo --data-dir "$ENGINES_DIR/etcd/data" \
    --listen-client-urls "http://$HOST:$ETCD_PORT" --advertise-client-urls "http://$HOST:$ETCD_PORT" \
    --listen-peer-urls "http://$HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster "echo=http://$HOST:$ETCD_PEER_PORT"
  wait_until 30 etcd answers_etcd
}
answers_etcd() { curl -sf "http://$HOST:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
exports_etcd() { echo "export ETCD_ENDPOINTS=http://$HOST:$ETCD_PORT"; }

# --- Kafka (KRaft, single node) ------------------------------------------------------------------------------

up_kafka() {
  maven_libs kafka
  local dir="$ENGINES_DIR/kafka" conf="$ENGINES_DIR/kafka/server.properties"
  cat >"$conf" <<P
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
P
  local cp="$dir/libs/*"
  if [[ ! -f $dir/data/meta.properties ]]; then
    local uuid
    uuid="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>>"$ENGINES_DIR/kafka.log")"
    java -cp "$cp" kafka.tools.StorageTool format -t "$uuid" -c "$conf" >>"$ENGINES_DIR/kafka.log" 2>&1 ||
      die "kafka: formatting the log dir failed (see $ENGINES_DIR/kafka.log)"
  fi
  spawn kafka java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$ROOT/scripts/engines/kafka/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$conf"
  wait_until 90 kafka answers_kafka
}
answers_kafka() { port_open $KAFKA_PORT && grep -q 'Kafka Server started' "$ENGINES_DIR/kafka.log"; }
exports_kafka() { echo "export KAFKA_BROKERS=$HOST:$KAFKA_PORT"; }

# --- S3 (S3Proxy, filesystem backend) ------------------------------------------------------------------------

up_s3() {
  maven_libs s3proxy
  local dir="$ENGINES_DIR/s3proxy"
  mkdir -p "$dir/data"
  s3_credentials
  cat >"$dir/s3proxy.conf" <<P
s3proxy.endpoint=http://$HOST:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$dir/data
P
  local jar
  jar="$(ls "$dir"/libs/s3proxy-*-jar-with-dependencies.jar | head -n 1)"
  spawn s3 java -Xmx256m -jar "$jar" --properties "$dir/s3proxy.conf"
  wait_until 60 s3 answers_s3
}
# Any HTTP answer (S3Proxy says 403 to an unsigned request) means it serves.
answers_s3() { [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$S3_PORT/" 2>/dev/null)" != 000 ]]; }
# A key pair made once per data dir, so a second `up` prints the same one.
s3_credentials() {
  local file="$ENGINES_DIR/s3proxy/credentials"
  if [[ ! -s $file ]]; then
    mkdir -p "$(dirname "$file")"
    echo "S3_ACCESS_KEY=echo$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$file"
    echo "S3_SECRET_KEY=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$file"
  fi
  # shellcheck disable=SC1090
  source "$file"
}
exports_s3() {
  s3_credentials
  echo "export MINIO_ENDPOINT=http://$HOST:$S3_PORT"
  echo "export MINIO_ACCESS_KEY=$S3_ACCESS_KEY"
  echo "export MINIO_SECRET_KEY=$S3_SECRET_KEY"
  echo "export MINIO_USE_SSL=false"
}

# --- commands ------------------------------------------------------------------------------------------------

stop_engine() {
  local name=$1 pid
  if ! pid="$(pid_of "$name")"; then
    rm -f "$ENGINES_DIR/$name.pid"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$name (pid $pid) ignored SIGTERM for 20s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  rm -f "$ENGINES_DIR/$name.pid"
}

cmd_up() {
  mkdir -p "$ENGINES_DIR"
  local name started=$SECONDS
  for name in "$@"; do
    if pid_of "$name" >/dev/null; then
      "answers_$name" || wait_until 60 "$name" "answers_$name"
      log "$name already running (pid $(pid_of "$name"))"
    elif "answers_$name"; then
      die "$name: something not started by this script already answers on its port; stop it or use other ports"
    else
      local t=$SECONDS
      "up_$name"
      log "$name up in $((SECONDS - t))s (pid $(pid_of "$name"), log $ENGINES_DIR/$name.log)"
    fi
  done
  log "all up in $((SECONDS - started))s"
  for name in "$@"; do "exports_$name"; done
}

cmd_down() {
  local name
  for name in "$@"; do stop_engine "$name"; done
}

cmd_status() {
  local name pid code=0
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then
      if "answers_$name"; then echo "$name: running (pid $pid)"; else echo "$name: started (pid $pid) but not answering"; code=1; fi
    else
      echo "$name: stopped"
      code=1
    fi
  done
  return $code
}

main() {
  local cmd=${1:-}
  shift || true
  local engines=("$@")
  ((${#engines[@]})) || engines=("${ALL_ENGINES[@]}")
  local e
  for e in "${engines[@]}"; do
    [[ " ${ALL_ENGINES[*]} " == *" $e "* ]] || die "unknown engine '$e' (known: ${ALL_ENGINES[*]})"
  done
  case "$cmd" in
  up) cmd_up "${engines[@]}" ;;
  down) cmd_down "${engines[@]}" ;;
  status) cmd_status "${engines[@]}" ;;
  *) die "usage: engines.sh up|down|status [${ALL_ENGINES[*]}]" ;;
  esac
}

main "$@"
