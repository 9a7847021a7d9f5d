#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for user postgres
# and a database named `test`: uses a running one, starts an installed cluster, or installs
# Debian's postgresql and starts it.
set -euo pipefail
answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_isready >/dev/null; then
  echo "installing postgresql from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! answers; then
  if [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    conf=/etc/postgresql/$version/main
    # trust auth on loopback, listen on 127.0.0.1
    if ! grep -q "kurnl-ci" "$conf/pg_hba.conf" 2>/dev/null; then
      sed -i '1i host all all 127.0.0.1/32 trust # kurnl-ci\nlocal all all trust # kurnl-ci' "$conf/pg_hba.conf"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  fi
fi
for _ in $(seq 1 30); do answers && break; sleep 1; done
answers || { echo "postgresql does not answer on 127.0.0.1:5432"; exit 1; }
if ! psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -c "create database test"
fi
psql -h 127.0.0.1 -U postgres -d test -Atc "select 'postgresql ' || current_setting('server_version')"
