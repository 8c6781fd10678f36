#!/usr/bin/env bash
# The Kubernetes rehearsal on real network namespaces (issue 14).
#
# 2 coordinators and 3 workers, each "pod" in its own network namespace, configured only through
# the environment variables the manifests set (the process's args are only its role), names
# resolved as the pods' DNS names (coordinator-0.coordinator, worker-1.worker, ...) through
# /etc/netns/<ns>/hosts. It trains a small MLP to completion, then again under faults, and checks
# that every run ends with the .caffemodel of the fault-free run, byte for byte, and that the
# fault-free run has the bytes of single-process `dsolver train`.
#
# Scenarios (each on a fresh set of namespaces and a fresh snapshot directory):
#   clean                fault-free; compared with `dsolver train` of the same solver.
#   kill-worker          kill -9 of worker-1 once the run is past iteration FAULT_ITER.
#   cut-link             worker-1's veth is set down (switch side) past FAULT_ITER and never
#                        brought back: the worker is unreachable, not dead.
#   kill-coordinator     kill -9 of the active coordinator past FAULT_ITER, once a snapshot exists;
#                        the standby resumes from the newest snapshot. The killed pod is started
#                        again once the standby is training, as its StatefulSet would.
#   sigterm-coordinator  SIGTERM to the active coordinator past FAULT_ITER: it must exit 0 after a
#                        final snapshot (the one its log names, newer than the last scheduled
#                        one); the standby resumes from exactly that snapshot and finishes the run.
# Each run also checks that every pod that should exits 0 when the run is over.
#
# Usage: deploy/rehearsal.sh [--dsolver PATH] [--out DIR] [--manifests DIR] [SCENARIO...]
#   --dsolver PATH   a dsolver.dll (run with dotnet), or a published directory (its `dsolver`
#                    executable, else its dsolver.dll). Default: $DSOLVER_REHEARSAL_DSOLVER, else
#                    src/DistributedSolver.Cli/bin/Release/net10.0/dsolver.dll, built if missing.
#   --out DIR        logs, snapshots and the summary (default: a new directory under /tmp).
#   --manifests DIR  a kustomize directory whose StatefulSets' DSOLVER_* variables must be the
#                    ones this script sets, with the same values where they are not paths or
#                    secrets (default: k8s/overlays/cpu where it exists and kubectl is installed).
#   SCENARIO...      a subset of the scenarios above (default: all); `clean` always runs first,
#                    since the others compare with it.
# Needs root (ip netns, veth, bridge). Exits 0 when every scenario passed, 1 on a mismatch or a
# failed check, 2 on a usage error, 77 when network namespaces cannot be created here.
#
# Network: one bridge in a "switch" namespace of this run, one veth pair per pod (pod end: eth0
# with an address in 10.254.14.0/24, switch end: a bridge port). The root namespace gets no
# address, route or interface; pods have no default route and an empty resolv.conf, so the only
# traffic is between the addresses this script created (and each namespace's loopback).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX="dsr$$"                    # unique per run: concurrent or leftover runs never collide
SUBNET=10.254.14                  # only ever on this run's veths, inside its own namespaces
PODS=(coordinator-0 coordinator-1 worker-0 worker-1 worker-2)
MAX_ITER=1500                     # about 15 s of training: every pod answers /readyz 200 some
                                  # seconds after iteration 0 on a loaded machine, and a fault
                                  # must still land mid-run (500 was over before it, once in CI)
SNAPSHOT=50
FAULT_ITER=120                    # faults land after this iteration (observed in the active coordinator's log)
CLUSTER_TOKEN="rehearsal-$$-$RANDOM$RANDOM"
START_TIMEOUT=60                  # the pods forming a cluster and starting iteration 0
RUN_TIMEOUT=120                   # a scenario's training, start to final snapshot
EXIT_TIMEOUT=45                   # processes exiting once the run is over
ALL_SCENARIOS=(clean kill-worker cut-link kill-coordinator sigterm-coordinator)

DSOLVER=${DSOLVER_REHEARSAL_DSOLVER:-}
MANIFESTS=${DSOLVER_REHEARSAL_MANIFESTS:-}
OUT=${DSOLVER_REHEARSAL_OUT:-}
SCENARIOS=()
while (($#)); do
    case $1 in
        --dsolver) DSOLVER=${2:?--dsolver needs a path}; shift 2 ;;
        --out) OUT=${2:?--out needs a directory}; shift 2 ;;
        --manifests) MANIFESTS=${2:?--manifests needs a kustomize directory}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        clean|kill-worker|cut-link|kill-coordinator|sigterm-coordinator) SCENARIOS+=("$1"); shift ;;
        *) echo "rehearsal: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
((${#SCENARIOS[@]})) || SCENARIOS=("${ALL_SCENARIOS[@]}")
[[ " ${SCENARIOS[*]} " == *" clean "* ]] || SCENARIOS=(clean "${SCENARIOS[@]}")

log() { printf '%s rehearsal: %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() {   # in a scenario, its result names the failed check
    log "FAILED: $*" >&2
    [[ -z ${RUN:-} ]] || echo "$*" >"$RUN.failure"
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Cleanup, on any exit: every process, namespace (with its veth ends and bridge) and
# /etc/netns/<ns> directory of this run, found by the run's unique prefix.
teardown() {   # NAME_PREFIX: the namespaces whose names start with it
    local ns pid
    for ns in $(ip netns list 2>/dev/null | awk -v p="$1" 'index($1, p) == 1 {print $1}'); do
        # Anything running inside one of this run's namespaces was started by this run.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    rm -rf /etc/netns/"$1"*
}
SCENARIO_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -z $SCENARIO_PID ]] || kill -9 "$SCENARIO_PID" 2>/dev/null || true
    teardown "$PREFIX-"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Preconditions.
probe_netns() {
    [[ $(id -u) == 0 ]] || { echo "network namespaces need root (uid $(id -u))"; return 1; }
    command -v ip >/dev/null || { echo "no 'ip' command (iproute2)"; return 1; }
    local probe="${PREFIX}-probe" err
    err=$(ip netns add "$probe" 2>&1) || { echo "ip netns add failed: $err"; return 1; }
    err=$(ip -n "$probe" link add name p0 type veth peer name p1 2>&1) || { echo "veth pairs cannot be created: $err"; return 1; }
    err=$(ip -n "$probe" link add name br0 type bridge 2>&1) || { echo "bridges cannot be created: $err"; return 1; }
    ip netns del "$probe"
}
if ! reason=$(probe_netns); then
    echo "rehearsal: SKIPPED: $reason" >&2
    exit 77
fi

if ip netns list | awk '{print $1}' | grep -q "^$PREFIX-"; then
    echo "rehearsal: namespaces named $PREFIX-* exist already (another run with this pid in another pid namespace?)" >&2
    exit 2
fi

DOTNET=$(command -v dotnet || true)
if [[ -z $DSOLVER ]]; then
    DSOLVER=$REPO/src/DistributedSolver.Cli/bin/Release/net10.0/dsolver.dll
    if [[ ! -f $DSOLVER ]]; then
        log "building src/DistributedSolver.Cli (Release)"
        dotnet build "$REPO/src/DistributedSolver.Cli" -c Release -v quiet -nologo >/dev/null
    fi
fi
DSOLVER=$(realpath "$DSOLVER")
if [[ -d $DSOLVER ]]; then
    if [[ -x $DSOLVER/dsolver ]]; then DSOLVER_CMD=("$DSOLVER/dsolver")
    elif [[ -f $DSOLVER/dsolver.dll ]]; then DSOLVER_CMD=("$DOTNET" "$DSOLVER/dsolver.dll")
    else echo "rehearsal: $DSOLVER has neither dsolver nor dsolver.dll" >&2; exit 2; fi
elif [[ $DSOLVER == *.dll && -f $DSOLVER ]]; then DSOLVER_CMD=("$DOTNET" "$DSOLVER")
else echo "rehearsal: no dsolver at $DSOLVER" >&2; exit 2; fi
[[ ${DSOLVER_CMD[0]} != "" ]] || { echo "rehearsal: dotnet not found" >&2; exit 2; }

OUT=${OUT:-$(mktemp -d /tmp/dsolver-rehearsal.XXXXXX)}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
DATA_PATH=$REPO/examples/fashion_mnist   # holds fashion-mnist/, as /opt/dsolver/data in the image

# ---------------------------------------------------------------------------------------------
# The ConfigMap: solver.prototxt and the net it names. A small MLP (784-128-128-10) on the shipped
# Fashion-MNIST subset; iter_size 6 = two units per worker; snapshots every 50 iterations so the
# coordinator faults resume from one; tested every 100 iterations on 2 batches.
write_config() {   # DIR SNAPSHOT_PREFIX
    mkdir -p "$1"
    sed -e 's/batch_size: 64/batch_size: 16/' -e 's/num_output: 512/num_output: 128/' \
        "$REPO/examples/fashion_mnist/mlp_train_test.prototxt" >"$1/mlp_train_test.prototxt"
    cat >"$1/solver.prototxt" <<EOF
net: "mlp_train_test.prototxt"
test_iter: 2
test_interval: 100
base_lr: 0.01
momentum: 0.9
weight_decay: 0.0005
lr_policy: "inv"
gamma: 0.0001
power: 0.75
display: 10
average_loss: 10
max_iter: $MAX_ITER
iter_size: 6
snapshot: $SNAPSHOT
snapshot_prefix: "$2"
solver_mode: CPU
random_seed: 1701
EOF
}

# ---------------------------------------------------------------------------------------------
# What every process of the rehearsal starts with, pods and the `dsolver train` reference alike
# (`env -i` + these): nothing of this shell's environment leaks in. That matters for the bits:
# OPENBLAS_CORETYPE, for one, picks OpenBLAS's kernels, and a reference trained with other
# kernels than the pods' differs in the last bits.
base_env() {   # HOME
    echo PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    echo "HOME=$1"
    [[ -z ${DOTNET_ROOT:-} ]] || echo "DOTNET_ROOT=$DOTNET_ROOT"
    echo DOTNET_CLI_TELEMETRY_OPTOUT=1
    echo DOTNET_NOLOGO=1
}

# What each pod's container gets: args = the role only, everything else from these variables.
# Keep in step with the manifests (k8s/): one function per role, values as the contract fixes
# them (check_manifests compares). The failure detector keeps the manifests' defaults (1s/3s/5s):
# AKKA-NOTES' faster one (500ms/1500ms/2s, DSOLVER_REHEARSAL_FAST_DETECTOR=1) saves about 5 s per
# coordinator fault, but on a loaded 2-core machine (the CI suite's other test assemblies beside
# it) healthy nodes missed 1.5 s of heartbeats, and the Split Brain Resolver then downed the
# workers along with the killed coordinator.
common_env() {   # POD SERVICE
    echo DSOLVER_SYSTEM_NAME=dsolver
    echo DSOLVER_BIND_HOST=0.0.0.0
    echo "DSOLVER_PUBLIC_HOST=$1.$2"
    echo DSOLVER_PORT=4053
    echo DSOLVER_SEEDS=coordinator-0.coordinator:4053,coordinator-1.coordinator:4053
    echo "DSOLVER_CLUSTER_TOKEN=$CLUSTER_TOKEN"
    echo "DSOLVER_DATA_PATH=$DATA_PATH"
    echo "DSOLVER_SOLVER=$CONFIG/solver.prototxt"
    echo DSOLVER_HTTP_PORT=8080
    echo DSOLVER_DEVICE=cpu
    if [[ ${DSOLVER_REHEARSAL_FAST_DETECTOR:-0} == 1 ]]; then   # rehearsal only (see above)
        echo DSOLVER_HEARTBEAT_INTERVAL=500ms
        echo DSOLVER_ACCEPTABLE_HEARTBEAT_PAUSE=1500ms
        echo DSOLVER_SBR_STABLE_AFTER=2s
    fi
}
coordinator_env() {   # POD
    common_env "$1" coordinator
    echo DSOLVER_DATA_PORT=4054                    # the data plane: coordinators listen, workers dial
    echo "DSOLVER_SNAPSHOT_PREFIX=$SNAPSHOTS/mlp"  # the ReadWriteMany volume, shared by both coordinators
    echo DSOLVER_MIN_WORKERS=3
    echo DSOLVER_HANDOVER_TIMEOUT=60s
}
worker_env() {   # POD
    common_env "$1" worker
}

# The manifests set what these functions set: the same DSOLVER_* names per role, and the same
# values except for paths (the rehearsal's stand in for mounts), the token (a Secret there) and the
# least number of workers (the manifests' replica count).
check_manifests() {   # KUSTOMIZE_DIR
    local rendered want got pod role line CONFIG=/config SNAPSHOTS=/snapshots
    rendered=$(kubectl kustomize "$1") || fail "kubectl kustomize $1 failed"
    got=$(awk '
        /^---/ { ss = 0; name = ""; var = "" }
        /^kind: StatefulSet/ { ss = 1 }
        ss && /^  name: / && name == "" { name = $2 }
        ss && /- name: DSOLVER_/ { var = $3; next }
        ss && var != "" && /^ *value: / { v = $0; sub(/^ *value: /, "", v); gsub(/"/, "", v); print name, var "=" v; var = ""; next }
        ss && var != "" && /^ *valueFrom:/ { print name, var "=(from a Secret or field)"; var = "" }' <<<"$rendered" | sort)
    want=$(for pod in coordinator-0 worker-0; do
        role=${pod%-*}
        "${role}_env" "$pod" | while IFS= read -r line; do
            case ${line%%=*} in
                DSOLVER_HEARTBEAT_INTERVAL|DSOLVER_ACCEPTABLE_HEARTBEAT_PAUSE|DSOLVER_SBR_STABLE_AFTER) continue ;;   # rehearsal only
                DSOLVER_CLUSTER_TOKEN) line="${line%%=*}=(from a Secret or field)" ;;
                DSOLVER_DATA_PATH|DSOLVER_SOLVER|DSOLVER_SNAPSHOT_PREFIX|DSOLVER_MIN_WORKERS) line="${line%%=*}=*" ;;
                DSOLVER_PUBLIC_HOST) line="${line/$pod/\$(POD_NAME)}" ;;
            esac
            echo "$role $line"
        done
    done | sort)
    local mismatch=""
    while read -r role line; do
        local name=${line%%=*}
        if [[ ${line#*=} == '*' ]]; then grep -q "^$role $name=" <<<"$got" || mismatch+=$'\n'"  $role: $name missing in the manifests"
        else grep -qxF "$role $line" <<<"$got" || mismatch+=$'\n'"  $role: $line, the manifests: $(grep "^$role $name=" <<<"$got" | cut -d' ' -f2- || echo missing)"
        fi
    done <<<"$want"
    while read -r role line; do
        grep -q "^$role ${line%%=*}=" <<<"$want" || mismatch+=$'\n'"  $role: the manifests set ${line%%=*}, the rehearsal does not"
    done <<<"$got"
    [[ -z $mismatch ]] || fail "the rehearsal's environment and $1 differ:$mismatch"
    log "the pods' environment matches $1"
}

# ---------------------------------------------------------------------------------------------
# Topology of one scenario: namespaces $NS-sw (the bridge) and $NS-<pod>.
address() {   # POD -> its address
    case $1 in
        coordinator-0) echo "$SUBNET.10" ;; coordinator-1) echo "$SUBNET.11" ;;
        worker-0) echo "$SUBNET.20" ;; worker-1) echo "$SUBNET.21" ;; worker-2) echo "$SUBNET.22" ;;
    esac
}
dns_name() { [[ $1 == coordinator-* ]] && echo "$1.coordinator" || echo "$1.worker"; }
port_name() { echo "${1:0:1}${1##*-}"; }   # coordinator-0 -> c0: its veth's end on the bridge

create_network() {
    local sw="$NS-sw" pod ns p
    ip netns add "$sw"
    ip -n "$sw" link set lo up
    ip -n "$sw" link add name br0 type bridge
    ip -n "$sw" link set br0 up
    for pod in "${PODS[@]}"; do
        ns="$NS-$pod"; p=$(port_name "$pod")
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        # Both ends are created in their namespaces: the root namespace never sees them.
        ip link add name eth0 netns "$ns" type veth peer name "$p" netns "$sw"
        ip -n "$ns" addr add "$(address "$pod")/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$sw" link set "$p" master br0
        ip -n "$sw" link set "$p" up
        # `ip netns exec` bind-mounts these over /etc/hosts and /etc/resolv.conf: the pod DNS names
        # resolve as the headless Services would, and nothing else resolves.
        mkdir -p "/etc/netns/$ns"
        {
            echo "127.0.0.1 localhost"
            for p in "${PODS[@]}"; do echo "$(address "$p") $(dns_name "$p")"; done
        } >"/etc/netns/$ns/hosts"
        echo "options attempts:1 timeout:1" >"/etc/netns/$ns/resolv.conf"
    done
    for pod in "${PODS[@]}"; do
        local got
        got=$(ip netns exec "$NS-$pod" getent hosts coordinator-0.coordinator | awk '{print $1}') || true
        [[ $got == "$(address coordinator-0)" ]] || fail "$pod: coordinator-0.coordinator resolves to '$got', not $(address coordinator-0)"
    done
}

start_pod() {   # POD: starts it in its namespace, with only the role as argument
    local pod=$1 role=${1%-*} envs=()
    mapfile -t envs < <(base_env "$RUN/$pod"; "${role}_env" "$pod")
    mkdir -p "$RUN/$pod"
    local n=1; while [[ -e $RUN/$pod/log.$n ]]; do ((n++)); done   # a restarted pod gets a new log
    (cd "$RUN/$pod" && exec ip netns exec "$NS-$pod" env -i "${envs[@]}" "${DSOLVER_CMD[@]}" "$role" >"$RUN/$pod/log.$n" 2>&1) &
    PID[$pod]=$!
    LOG[$pod]=$RUN/$pod/log.$n
    log "$pod started (pid ${PID[$pod]}, $(address "$pod") = $(dns_name "$pod"), log ${LOG[$pod]#"$OUT/"})"
}

alive() {   # POD: its process runs (not a zombie)
    local stat; stat=$(cat "/proc/${PID[$1]}/stat" 2>/dev/null) || return 1
    [[ $(awk '{print $3}' <<<"$stat") != Z ]]
}

# Waits until COMMAND succeeds, at most SECONDS; polls every 0.1 s. Fails with WHAT.
wait_for() {   # SECONDS WHAT COMMAND...
    local limit=$1 what=$2; shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        ((SECONDS < deadline)) || fail "no $what after ${limit}s"
        sleep 0.1
    done
}

logged() { [[ -f ${LOG[$1]} ]] && grep -q -- "$2" "${LOG[$1]}"; }
ready() {   # POD: its /readyz answers 200 (the probe Kubernetes would run), asked inside its namespace
    ip netns exec "$NS-$1" timeout 2 bash -c \
        'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /readyz HTTP/1.0\r\n\r\n" >&3 && head -n 1 <&3' 2>/dev/null |
        grep -q ' 200 '
}
ready_all() {   # POD...: all at once, since a process's first request waits for ASP.NET Core's JIT
    local pod pids=() all=0
    for pod in "$@"; do ready "$pod" & pids+=($!); done
    for pod in "${pids[@]}"; do wait "$pod" || all=1; done
    return $all
}
last_iteration() {   # POD -> the newest "Iteration N" its log shows (0 if none)
    grep -o '\] Iteration [0-9]*' "${LOG[$1]}" 2>/dev/null | awk '{print $3}' | sort -n | tail -1 | grep . || echo 0
}
active_coordinator() {   # the coordinator whose log shows the newest iteration
    local c best="" best_iter=-1 it
    for c in coordinator-0 coordinator-1; do
        alive "$c" || continue
        it=$(last_iteration "$c"); if ((it > best_iter)); then best=$c; best_iter=$it; fi
    done
    echo "$best"
}
past_iteration() {   # ITER: the active coordinator logged an iteration >= ITER
    local c; c=$(active_coordinator); [[ -n $c ]] && (($(last_iteration "$c") >= $1))
}
newest_snapshot() {   # -> the newest complete snapshot's iteration under $SNAPSHOTS (0 if none)
    find "$SNAPSHOTS" -maxdepth 1 -name 'mlp_iter_*.solverstate' -printf '%f\n' 2>/dev/null |
        sed 's/mlp_iter_\([0-9]*\)\.solverstate/\1/' | sort -n | tail -1 | grep . || echo 0
}
resumed_at() {   # COORDINATOR -> the iteration its singleton started at
    grep -o 'Coordinator started (incarnation [0-9]*) at iteration [0-9]*' "${LOG[$1]}" | tail -1 | awk '{print $NF}'
}
final_model() { [[ -f $SNAPSHOTS/mlp_iter_$MAX_ITER.caffemodel ]]; }
all_exited() { local p; for p in "$@"; do ! alive "$p" || return 1; done; }

reap() {   # POD: sets RC to its exit code (the process has ended); not in $(...), which cannot wait
    RC=0; wait "${PID[$1]}" || RC=$?
}

# Starts the five pods: the coordinators at once (coordinator-0, the first seed, founds the
# cluster once no other seed answers, and coordinator-1 joins it), then, once both are ready (Up),
# the workers. All five at once, as the Parallel StatefulSets start them, let the standby join
# after a run of a few seconds was over, and a fault then hit members that had not all seen each
# other Up (see scenario()).
start_cluster() {
    local pod
    for pod in coordinator-0 coordinator-1; do start_pod "$pod"; done
    wait_for "$START_TIMEOUT" "readiness of both coordinators (/readyz 200)" ready_all coordinator-0 coordinator-1
    for pod in worker-0 worker-1 worker-2; do start_pod "$pod"; done
    wait_for "$START_TIMEOUT" "iteration 0 (3 workers registering)" training_started
}
training_started() { logged coordinator-0 "\] Iteration 0" || logged coordinator-1 "\] Iteration 0"; }

# ---------------------------------------------------------------------------------------------
declare -A PID=() LOG=()   # pod -> pid of its process (dotnet itself: ip netns exec and env exec it), its log

show_logs() {
    local pod f
    for pod in "${PODS[@]}"; do
        for f in "$RUN/$pod"/log.*; do
            [[ -f $f ]] || continue
            echo "----- ${f#"$OUT/"} (last 25 lines)"; tail -n 25 "$f"
        done
    done
}

scenario() {   # NAME INDEX
    local name=$1 start=$SECONDS
    trap - EXIT INT TERM   # the main shell's cleanup is not this subshell's
    NS="$PREFIX-$2"; RUN=$OUT/$name; SNAPSHOTS=$RUN/snapshots; CONFIG=$RUN/config
    rm -rf "$RUN"; mkdir -p "$SNAPSHOTS"
    write_config "$CONFIG" snapshots/mlp
    PID=(); LOG=()
    log "=== $name"
    create_network
    start_cluster
    # Every member Up (and every worker holding weights) before any fault, as the readiness probes
    # would show: a coordinator killed while the others have not yet seen every member Up leaves
    # the Split Brain Resolver a two-member cluster, whose oldest side it keeps (README, "Split
    # Brain Resolver"), and every other node was downed with it.
    wait_for "$START_TIMEOUT" "readiness of every pod (/readyz 200)" ready_all "${PODS[@]}"
    log "every pod ready after $((SECONDS - start)) s, the run at iteration $(last_iteration "$(active_coordinator)")"
    local expect_exit=(coordinator-0 coordinator-1 worker-0 worker-1 worker-2) note="" sigterm_bad="" at
    case $name in
        clean) ;;
        kill-worker)
            wait_for "$RUN_TIMEOUT" "iteration $FAULT_ITER" past_iteration "$FAULT_ITER"
            at=$(last_iteration "$(active_coordinator)")
            final_model && fail "the run ended before the fault"
            log "kill -9 worker-1 at iteration $at"
            kill -9 "${PID[worker-1]}"
            # The coordinator drops it from its roster (downed), and trains on with two.
            wait_for "$RUN_TIMEOUT" "iteration with 2 live workers" logged "$(active_coordinator)" ", 2 live workers)"
            expect_exit=(coordinator-0 coordinator-1 worker-0 worker-2)
            note="worker-1 killed at iteration $at, training went on with 2" ;;
        cut-link)
            wait_for "$RUN_TIMEOUT" "iteration $FAULT_ITER" past_iteration "$FAULT_ITER"
            at=$(last_iteration "$(active_coordinator)")
            final_model && fail "the run ended before the fault"
            ip -n "$NS-sw" link set "$(port_name worker-1)" down
            log "worker-1's link cut at iteration $at (never restored)"
            wait_for "$RUN_TIMEOUT" "iteration with 2 live workers" logged "$(active_coordinator)" ", 2 live workers)"
            # Alone on its side, the worker is downed by its own Split Brain Resolver: exit 1, so
            # that Kubernetes restarts it.
            wait_for "$EXIT_TIMEOUT" "exit of the cut-off worker-1" all_exited worker-1
            reap worker-1; ((RC == 1)) || fail "the cut-off worker-1 exited $RC, not 1 (downed)"
            expect_exit=(coordinator-0 coordinator-1 worker-0 worker-2)
            note="worker-1 cut off at iteration $at, training went on with 2, worker-1 downed (exit 1)" ;;
        kill-coordinator|sigterm-coordinator)
            wait_for "$RUN_TIMEOUT" "iteration $FAULT_ITER" past_iteration "$FAULT_ITER"
            local active standby before
            active=$(active_coordinator)
            final_model && fail "the run ended before the fault"
            [[ $active == coordinator-0 ]] && standby=coordinator-1 || standby=coordinator-0
            at=$(last_iteration "$active"); before=$(newest_snapshot)
            ((before > 0)) || fail "no snapshot before the fault"
            if [[ $name == kill-coordinator ]]; then
                kill -9 "${PID[$active]}"
                before=$(newest_snapshot)   # read after the kill: nothing can write one since
                log "kill -9 $active (active) at iteration $at, newest snapshot $before"
                wait_for "$RUN_TIMEOUT" "training on $standby" logged "$standby" "\] Iteration [0-9]"
                local resumed; resumed=$(resumed_at "$standby")
                log "$standby resumed at iteration $resumed; restarting $active, as its StatefulSet would"
                [[ $resumed == "$before" ]] || fail "$standby resumed at iteration '$resumed', not from the newest snapshot $before"
                start_pod "$active"
                note="$active killed at iteration $at, $standby resumed from snapshot $before, $active restarted as standby"
            else
                log "SIGTERM to $active (active) at iteration $at, newest snapshot $before"
                kill -TERM "${PID[$active]}"
                wait_for "$EXIT_TIMEOUT" "exit of $active after SIGTERM" all_exited "$active"
                local rc after; reap "$active"; rc=$RC; after=$(newest_snapshot)
                log "$active exited $rc; newest snapshot now $after"
                note="$active stopped at iteration $at, exit $rc, newest snapshot $before -> $after"
                ((rc == 0)) || sigterm_bad+="; exit $rc after SIGTERM, not 0"
                # The final snapshot: the coordinator names it, it is on the volume and newer than
                # the last one before the signal. Not compared with the newest: the standby may
                # already have written the next scheduled one.
                local final; final=$(grep -o 'Stopped for the hand-over after the snapshot of iteration [0-9]*' "${LOG[$active]}" | awk '{print $NF}')
                [[ -n $final && -f "$SNAPSHOTS/mlp_iter_$final.solverstate" ]] && ((final > before)) ||
                    sigterm_bad+="; no final snapshot after SIGTERM (the log names '${final:-none}', newest before it $before)"
                wait_for "$RUN_TIMEOUT" "singleton on $standby" logged "$standby" "Coordinator started .* at iteration"
                local resumed; resumed=$(resumed_at "$standby")
                [[ $resumed == "${final:-none}" ]] || sigterm_bad+="; $standby resumed at iteration $resumed, not at the final snapshot ${final:-none}"
                note="$note, $standby resumed there"
                expect_exit=("$standby" worker-0 worker-1 worker-2)
            fi ;;
    esac
    wait_for "$RUN_TIMEOUT" "final snapshot mlp_iter_$MAX_ITER" final_model
    wait_for "$EXIT_TIMEOUT" "exit of every pod after the run" all_exited "${expect_exit[@]}"
    local pod bad=""
    for pod in "${expect_exit[@]}"; do
        reap "$pod"; ((RC == 0)) || bad+=" $pod=$RC"
    done
    local result=PASS
    [[ -z $bad ]] || { result=FAIL; note="${note:+$note; }exit codes:$bad"; }
    [[ -z $sigterm_bad ]] || { result=FAIL; note="$note$sigterm_bad"; }
    if [[ $name == clean ]]; then
        cp "$SNAPSHOTS/mlp_iter_$MAX_ITER.caffemodel" "$OUT/clean.caffemodel"
        # The core guarantee: the cluster's weights are those of one process.
        mkdir -p "$OUT/train"
        write_config "$OUT/train/config" "$OUT/train/mlp"
        local envs; mapfile -t envs < <(base_env "$OUT/train"; echo "DSOLVER_DATA_PATH=$DATA_PATH")
        (cd "$OUT/train" && exec timeout "$RUN_TIMEOUT" env -i "${envs[@]}" "${DSOLVER_CMD[@]}" train --solver config/solver.prototxt --device cpu >"$OUT/train/log" 2>&1) ||
            fail "dsolver train failed (see $OUT/train/log)"
        if cmp -s "$OUT/train/mlp_iter_$MAX_ITER.caffemodel" "$OUT/clean.caffemodel"; then
            note="${note:+$note; }= dsolver train"
        else result=FAIL; note="${note:+$note; }weights differ from dsolver train"; fi
    elif ! cmp -s "$SNAPSHOTS/mlp_iter_$MAX_ITER.caffemodel" "$OUT/clean.caffemodel"; then
        result=FAIL; note="${note:+$note; }weights differ from clean"
    else note="${note:+$note; }= clean"; fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$result" "$((SECONDS - start))" "$note" >>"$OUT/results"
    [[ $result == PASS ]] || show_logs
}

# Each scenario runs in a subshell of its own (a failed check ends only that scenario) in the
# background (so a signal to this script is handled at once); its namespaces go when it ends.
if [[ -z $MANIFESTS && -d $REPO/k8s/overlays/cpu ]] && command -v kubectl >/dev/null; then MANIFESTS=$REPO/k8s/overlays/cpu; fi
[[ -z $MANIFESTS ]] || check_manifests "$MANIFESTS"
: >"$OUT/results"
index=0
for name in "${SCENARIOS[@]}"; do
    index=$((index + 1)); t0=$SECONDS
    scenario "$name" "$index" &
    SCENARIO_PID=$!
    rc=0; wait "$SCENARIO_PID" || rc=$?
    SCENARIO_PID=""
    teardown "$PREFIX-$index-"
    if ! grep -q "^$name	" "$OUT/results"; then
        printf '%s\t%s\t%s\t%s\n' "$name" FAIL "$((SECONDS - t0))" "$(cat "$OUT/$name.failure" 2>/dev/null || echo "exit $rc, see the log above")" >>"$OUT/results"
        NS="$PREFIX-$index"; RUN=$OUT/$name; show_logs >&2 || true
    fi
    if [[ $name == clean ]] && ! grep -q "^clean	PASS" "$OUT/results"; then
        log "the clean run failed: the fault scenarios have nothing to compare with"; break
    fi
done

echo
printf '%-20s %7s  %-6s %s\n' scenario seconds result detail
status=0
while IFS=$'\t' read -r name result wall note; do
    printf '%-20s %7s  %-6s %s\n' "$name" "$wall" "$result" "$note"
    [[ $result == PASS ]] || status=1
done <"$OUT/results"
echo "logs and snapshots: $OUT"
exit "$status"
