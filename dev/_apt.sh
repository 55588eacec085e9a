# Sourced by dev/_venv.sh: apt-get that waits, bounded, for another package manager to finish.
# CAMAUDIT_APT_LOCK_WAIT (seconds, default 600) bounds the wait; CAMAUDIT_APT_LOCK_POLL the retry interval.
APT_LOCK_WAIT="${CAMAUDIT_APT_LOCK_WAIT:-600}"  # seconds to wait for another apt/dpkg (unattended-upgrades)
apt_get() {  # apt-get that waits (bounded) while another package manager holds the dpkg or apt lists lock
  local deadline=$((SECONDS + APT_LOCK_WAIT)) out said=""
  while :; do
    if out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=10 "$@" 2>&1); then return 0; fi
    if ! grep -qiE "could not get lock|unable to (acquire|lock)|is another process using it" <<<"$out"; then
      printf '%s\n' "$out" >&2
      return 1
    fi
    # The bound is checked only after one wait: a lock seen once is always waited for and retried at least once
    # (a slow first attempt used to use up a short bound and give up without saying why).
    if [ -n "$said" ] && [ "$SECONDS" -ge "$deadline" ]; then
      printf '%s\n' "$out" >&2
      echo "camaudit: gave up waiting for the package manager lock after ${APT_LOCK_WAIT}s" >&2
      return 1
    fi
    if [ -z "$said" ]; then
      echo "camaudit: another apt/dpkg process holds the lock; waiting up to ${APT_LOCK_WAIT}s ..." >&2
      said=1
    fi
    sleep "${CAMAUDIT_APT_LOCK_POLL:-5}"
  done
}
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if [ -z "${_APT_UPDATED:-}" ]; then apt_get update -qq; _APT_UPDATED=1; fi
    apt_get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "camaudit: please install these Debian packages: $*" >&2
    return 1
  fi
}
