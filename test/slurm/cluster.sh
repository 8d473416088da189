#!/usr/bin/env bash
# A real single-node Slurm cluster for the Slurm sweep tests (Debian's slurmctld/slurmd/munge; recipe:
# ../shared/slurm-recipe.md). Needs root to start or stop.
#   test/slurm/cluster.sh install   apt-get install the packages if sinfo is missing (idempotent)
#   test/slurm/cluster.sh start     write /etc/slurm/slurm.conf, start munged, slurmctld, slurmd; wait until idle.
#                                   A no-op when the cluster already answers. Prints "started" or "already running".
#   test/slurm/cluster.sh stop      stop only the daemons this script started (PIDs recorded in $STATE)
#   test/slurm/cluster.sh status    exit 0 when the node is idle/mixed/allocated
set -euo pipefail
STATE=${ANCHOR_LAB_SLURM_STATE:-/var/tmp/anchor-lab-slurm}
NODE=$(hostname -s)

up() { timeout 5 scontrol ping >/dev/null 2>&1 && sinfo -h -n "$NODE" -o %t 2>/dev/null | grep -Eq '^(idle|mix|mixed|alloc|allocated)$'; }

install() {
  if command -v sinfo >/dev/null 2>&1 && [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && [ -x /usr/sbin/munged ]; then return 0; fi
  if [ "$(id -u)" != 0 ]; then echo "slurm: not root; cannot install slurmctld slurmd slurm-client munge" >&2; return 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null; }
}

write_conf() {
  local cpus mem
  cpus=$(nproc)
  mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)  # MiB; no procps needed
  mkdir -p /etc/slurm
  cat > /etc/slurm/slurm.conf <<EOF
# Written by anchor-lab test/slurm/cluster.sh: a single-node test cluster.
ClusterName=ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_for() { # wait_for <seconds> <command...>
  local t=$1; shift
  for _ in $(seq 1 $((t * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}

start() {
  if up; then echo "already running"; return 0; fi
  if [ "$(id -u)" != 0 ]; then echo "slurm: the cluster is down and starting it needs root" >&2; return 1; fi
  install
  mkdir -p "$STATE" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
  chown slurm:slurm /var/spool/slurmctld /var/log/slurm
  chown munge:munge /run/munge; chmod 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  fi
  write_conf
  if ! (munge -n | unmunge) >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
    wait_for 30 sh -c 'munge -n | unmunge' || { echo "slurm: munged did not come up" >&2; return 1; }
    cp /run/munge/munged.pid "$STATE/munged.pid"
  fi
  if ! timeout 5 scontrol ping >/dev/null 2>&1; then
    rm -f /run/slurmctld.pid
    /usr/sbin/slurmctld -c
    wait_for 60 scontrol ping || { echo "slurm: slurmctld did not come up" >&2; tail -20 /var/log/slurm/slurmctld.log >&2 || true; return 1; }
    cp /run/slurmctld.pid "$STATE/slurmctld.pid"
  fi
  if ! { [ -s /run/slurmd.pid ] && kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null; }; then
    rm -f /run/slurmd.pid
    /usr/sbin/slurmd
    wait_for 10 test -s /run/slurmd.pid && cp /run/slurmd.pid "$STATE/slurmd.pid"
  fi
  if ! wait_for 60 up; then
    echo "slurm: node $NODE did not become idle" >&2
    sinfo -N -l >&2 || true; scontrol show node >&2 || true
    tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    return 1
  fi
  echo "started"
}

stop() {
  for d in slurmd slurmctld munged; do
    local f="$STATE/$d.pid" pid
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
    fi
    rm -f "$f"
  done
  rm -f /run/slurmctld.pid /run/slurmd.pid
  echo "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) up ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
