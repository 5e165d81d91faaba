/**
 * The small POSIX shell programs the QEMU driver runs in a guest through the agent's
 * guest-exec (as `sh -c SCRIPT NAME ARGS…`, arguments never spliced into the text). They use
 * only what a busybox system has (sh, awk, stat, mkdir, rm, mv, kill, su) and exit with the
 * codes below, which the driver maps to errors.
 */

/** Exit codes shared by the scripts. */
export const SCRIPT_EXIT = {
  ok: 0,
  wrongPassword: 1,
  notFound: 3,
  wrongType: 4,
  exists: 5,
  denied: 6,
  notEmpty: 7,
  cannotVerify: 8,
} as const;

/**
 * Checks a password (stdin, one line) against /etc/shadow for user $1 with the tools the
 * guest has: perl's crypt (Debian and most distributions, also yescrypt), busybox mkpasswd
 * (md5/sha256/sha512 crypt), python3's crypt.
 */
export const AUTH_SCRIPT = String.raw`
u=$1
IFS= read -r pw || [ -n "$pw" ] || pw=
h=$(awk -F: -v u="$u" '$1 == u { print $2; f = 1; exit } END { if (!f) exit 1 }' /etc/shadow 2>/dev/null) || {
  h=$(awk -F: -v u="$u" '$1 == u { print $2; f = 1; exit } END { if (!f) exit 1 }' /etc/passwd) || exit 3
}
case $h in
  '') [ -z "$pw" ] && exit 0; exit 1 ;;
  '!'* | '*'* | x) exit 1 ;;
esac
if command -v perl >/dev/null 2>&1; then
  c=$(printf '%s' "$pw" | perl -e 'local $/; my $p = <STDIN>; my $c = crypt($p, $ARGV[0]); print defined $c ? $c : ""' "$h")
elif command -v busybox >/dev/null 2>&1 && busybox mkpasswd --help >/dev/null 2>&1; then
  id=$(printf '%s' "$h" | cut -d'$' -f2)
  salt=$(printf '%s' "$h" | cut -d'$' -f3)
  case $id in 1) m=md5 ;; 5) m=sha256 ;; 6) m=sha512 ;; *) exit 8 ;; esac
  case $salt in rounds=*) exit 8 ;; esac
  c=$(printf '%s\n' "$pw" | busybox mkpasswd -m "$m" -S "$salt" -P 0)
elif command -v python3 >/dev/null 2>&1; then
  c=$(printf '%s' "$pw" | python3 -c 'import crypt, sys; print(crypt.crypt(sys.stdin.read(), sys.argv[1]) or "", end="")' "$h" 2>/dev/null)
else
  exit 8
fi
[ -n "$c" ] || exit 8
[ "$c" = "$h" ] && exit 0
exit 1
`;

/**
 * Runs a program: $1 working directory ('' = stay), $2 count of NAME=value exports that
 * follow, then the program and its arguments. 126 when the directory cannot be entered.
 */
export const RUN_SCRIPT = String.raw`
d=$1; n=$2; shift 2
while [ "$n" -gt 0 ]; do export "$1"; shift; n=$((n - 1)); done
if [ -n "$d" ]; then cd -- "$d" || exit 126; fi
exec "$@"
`;

/**
 * Process table: pid, owner, start (epoch seconds), name, command line; tab-separated. Its
 * own processes (run as `vmgate-ps`) and zombies are left out.
 */
export const PS_SCRIPT = String.raw`
hz=$(getconf CLK_TCK 2>/dev/null) || hz=100
[ -n "$hz" ] || hz=100
{
  echo /proc/[0-9]*
  grep -z -H -s '' /proc/[0-9]*/cmdline | tr '\000\t' '\n '
} | awk -v hz="$hz" -v self=vmgate-ps '
BEGIN {
  while ((getline l < "/etc/passwd") > 0) { split(l, f, ":"); user[f[3]] = f[1] }
  while ((getline l < "/proc/stat") > 0) if (l ~ /^btime /) { split(l, f, " "); bt = f[2] }
}
NR == 1 { n = split($0, dirs, " "); next }
{
  i = index($0, "/cmdline:")
  if (substr($0, 1, 6) == "/proc/" && i > 0) {
    pid = substr($0, 7, i - 7); a = substr($0, i + 9)
    if (pid in cmd) cmd[pid] = cmd[pid] " " a
    else cmd[pid] = a
  } else if (pid != "") cmd[pid] = cmd[pid] " " $0
}
END {
  for (k = 1; k <= n; k++) {
    pid = substr(dirs[k], 7); st = ""
    c = (pid in cmd) ? cmd[pid] : ""
    if (index(c, self) > 0) continue
    if ((getline st < ("/proc/" pid "/stat")) <= 0) continue
    close("/proc/" pid "/stat")
    o = index(st, "("); e = 0
    for (j = length(st); j > o; j--) if (substr(st, j, 1) == ")") { e = j; break }
    comm = substr(st, o + 1, e - o - 1)
    split(substr(st, e + 2), r, " ")
    if (r[1] == "Z") continue
    uid = ""
    while ((getline l < ("/proc/" pid "/status")) > 0) if (l ~ /^Uid:/) { split(l, u, /[ \t]+/); uid = u[2] }
    close("/proc/" pid "/status")
    owner = (uid in user) ? user[uid] : uid
    sub(/ +$/, "", c)
    if (c == "") c = "[" comm "]"
    printf "%s\t%s\t%d\t%s\t%s\n", pid, owner, bt + r[20] / hz, comm, c
  }
}'
`;

/** stat of $1 (not following a final symlink): type, size, mtime, mode (octal), owner, name. */
const STAT_FORMAT = '%F\t%s\t%Y\t%a\t%U\t%n';

export const STAT_SCRIPT = String.raw`
[ -e "$1" ] || [ -L "$1" ] || exit 3
stat -c '${STAT_FORMAT}' -- "$1" || exit 6
`;

/** The entries of directory $1, one stat line each (see STAT_SCRIPT). */
export const LIST_SCRIPT = String.raw`
[ -e "$1" ] || exit 3
[ -d "$1" ] || exit 4
cd -- "$1" || exit 6
set -- * .[!.]* ..?*
for f in "$@"; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  stat -c '${STAT_FORMAT}' -- "$f"
done
exit 0
`;

/** mkdir $1; $2 = 1 for parents (an existing directory is then fine). */
export const MKDIR_SCRIPT = String.raw`
if [ -e "$1" ] || [ -L "$1" ]; then
  [ "$2" = 1 ] && [ -d "$1" ] && exit 0
  exit 5
fi
if [ "$2" = 1 ]; then
  mkdir -p -- "$1" || exit 6
else
  [ -d "$(dirname -- "$1")" ] || exit 3
  mkdir -- "$1" || exit 6
fi
`;

/** rmdir $1, or rm -r when $2 = 1. */
export const RMDIR_SCRIPT = String.raw`
[ -e "$1" ] || exit 3
[ -d "$1" ] && [ ! -L "$1" ] || exit 4
if [ "$2" = 1 ]; then
  rm -rf -- "$1" || exit 6
else
  [ -z "$(ls -A -- "$1")" ] || exit 7
  rmdir -- "$1" || exit 6
fi
`;

/** rm $1 (a file or a symlink, never a directory). */
export const RM_SCRIPT = String.raw`
[ -e "$1" ] || [ -L "$1" ] || exit 3
[ -d "$1" ] && [ ! -L "$1" ] && exit 4
rm -f -- "$1" || exit 6
[ ! -e "$1" ] || exit 6
`;

/** mv $1 $2; $3 = 1 allows replacing an existing $2. */
export const MV_SCRIPT = String.raw`
[ -e "$1" ] || [ -L "$1" ] || exit 3
if [ -e "$2" ] || [ -L "$2" ]; then
  [ "$3" = 1 ] || exit 5
fi
[ -d "$(dirname -- "$2")" ] || exit 3
mv -f -- "$1" "$2" || exit 6
`;

/** Creates a file (or a directory when $4 = 1) named $3/$1<random>$2 and prints its path. */
export const MKTEMP_SCRIPT = String.raw`
d=$3
[ -n "$d" ] || d=$TMPDIR
[ -n "$d" ] || d=/tmp
[ -d "$d" ] || exit 3
i=0
while :; do
  r=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  p="$d/$1$r$2"
  if [ "$4" = 1 ]; then
    mkdir -- "$p" 2>/dev/null && break
  else
    (set -C; : > "$p") 2>/dev/null && break
  fi
  i=$((i + 1))
  [ $i -lt 20 ] || exit 6
done
printf '%s' "$p"
`;

/** Can the caller read ($2 = r) or write ($2 = w) file $1; w also creates it (as the caller). $3 = 1 allows an existing file. */
export const ACCESS_SCRIPT = String.raw`
if [ -e "$1" ]; then
  [ -d "$1" ] && exit 4
  if [ "$2" = r ]; then
    [ -r "$1" ] || exit 6
  else
    [ "$3" = 1 ] || exit 5
    [ -w "$1" ] || exit 6
  fi
else
  [ "$2" = r ] && exit 3
  d=$(dirname -- "$1")
  [ -d "$d" ] || exit 3
  [ -w "$d" ] || exit 6
  (: >> "$1") 2>/dev/null || exit 6
fi
`;

/** kill -KILL $1; 3 when there is no such process, 6 when the caller may not. */
export const KILL_SCRIPT = String.raw`
[ -d "/proc/$1" ] || exit 3
kill -KILL "$1" 2>/dev/null || exit 6
`;

/** Is $1 a program the caller can run: a path to an executable file, or a name on PATH. */
export const PROGRAM_CHECK_SCRIPT = String.raw`
case $1 in
  */*)
    [ -e "$1" ] || exit 3
    [ -d "$1" ] && exit 4
    [ -x "$1" ] || exit 6
    ;;
  *) command -v -- "$1" >/dev/null 2>&1 || exit 3 ;;
esac
`;

/** The environment, NUL-free: NAME=value lines. */
export const ENV_SCRIPT = 'env';
