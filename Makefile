# Everyday commands; each is a thin wrapper over npm, scripts/ or docker compose (README "Deploy").
#   make build | test | run | engines | engines-test | engines-down | schema | docker | up | scale N=3 | up-split | down | keygen | config-check
COMPOSE := docker compose --project-directory deploy -f deploy/docker-compose.yaml
COMPOSE_SPLIT := docker compose --project-directory deploy -f deploy/docker-compose-split.yaml
N ?= 2

.PHONY: build test run engines engines-test engines-down schema docker up scale up-split down keygen config-check

build:            ## TL codecs + TypeScript -> dist/
	npm run build

test:             ## the whole suite (no engines needed)
	npm test

run:              ## one embedded node (SQLite, memory cache/bus, files in ./data), settings from etc/echod.yaml
	npm start

engines:          ## MariaDB, Redis, etcd, Kafka, S3Proxy on loopback; prints the variables to export
	bash scripts/engines.sh up

engines-test:     ## the engine tests, against the engines of `eval "$$(bash scripts/engines.sh up)"`
	npm run test:engines

engines-down:     ## stops what `make engines` started
	bash scripts/engines.sh down

schema: build     ## rewrites deploy/sql/schema.sql from the migrations
	node dist/scripts/gen-mysql-schema.js

docker:           ## the echod image
	docker build -f deploy/Dockerfile -t echo/echod:$$(node -p "require('./package.json').version") .

keygen: deploy/.env ## once: the server RSA key all nodes share (volume echo-keys)
	$(COMPOSE) run --rm keygen

up: deploy/.env   ## engines, monitoring, one echod and HAProxy
	$(COMPOSE) up -d --build

scale: deploy/.env ## N echod nodes behind HAProxy (make scale N=3)
	$(COMPOSE) up -d --scale echod=$(N)

up-split: deploy/.env ## two core nodes and N gateway nodes in front of them (make up-split N=2)
	$(COMPOSE_SPLIT) up -d --build --scale gateway=$(N)

down:             ## stops the deployment (volumes kept; `docker compose down -v` deletes the data)
	$(COMPOSE) down

config-check:     ## compose files and HAProxy config, where the tools exist
	$(COMPOSE) config --quiet
	$(COMPOSE_SPLIT) config --quiet
	haproxy -c -f deploy/haproxy/haproxy.cfg
	haproxy -c -f deploy/haproxy/haproxy-split.cfg

deploy/.env:
	@echo "deploy/.env is missing: cp deploy/.env.example deploy/.env, chmod 600 it and fill in every value" >&2; exit 1
