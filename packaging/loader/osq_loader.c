/*
 * The loader at the front of the one-file osq executable (dist/osq, built by scripts/build.ts).
 *
 * dist/osq is this program, statically linked, followed by a payload: the pinned Deno binary,
 * osq bundled into one module (plus one module per worker), the SDK shim and an import map,
 * then an index and a 64-byte trailer. On each start the loader
 *
 *   1. reads the trailer and index from its own file (/proc/self/exe);
 *   2. makes sure the payload is unpacked in a content-addressed cache directory,
 *      <cache>/<payload id>/, where <cache> is $OSQ_CACHE_DIR, else /var/cache/osquery for
 *      root (shared with osqueryd.service, removed with the package), else
 *      $XDG_CACHE_HOME/osq, else $HOME/.cache/osq, else /tmp/osq-<uid>. The id is a hash of the payload, so a new
 *      build never reuses an old directory and an unpacked file is never rewritten. The
 *      directories are created 0700 and must be owned by the caller and writable by nobody else
 *      (refused otherwise: another user could swap the files). Files are written under a
 *      temporary name and renamed into place, so a concurrent or interrupted start never runs a
 *      partial file. Later starts only stat(2) the files;
 *   3. execs that Deno on the bundle (osq.js, or the shell's own bundle shell/entry.js for
 *      `osq shell ...` and a link named osqueryi) with osq's permissions, passing its own name (argv[0],
 *      which picks the face: osqueryi, osqueryd) as OSQ_ARGV0 and its own path as OSQ_SELF (the
 *      daemon re-executes the loader, not Deno), and DENO_DIR inside the cache directory so
 *      Deno keeps its compiled-code cache there and touches nothing else (deno_dir_shell for the
 *      shell, deno_dir_daemon for the daemon, deno_dir for the other faces: see below). It also sets
 *      DENO_UNSTABLE_LAZY_DYNAMIC_IMPORTS=1: without it Deno reads (and analyses) every chunk a
 *      static `import()` names before the program starts, all 400 tables' chunks for `select 1`;
 *      with it a chunk is read when its import() runs (`select 1` reads 18 of them). For the
 *      daemon (a name with osqueryd, or `osq daemon`) it puts its memory tuning first in
 *      DENO_V8_FLAGS, as the osq launcher does.
 *
 * Errors name the path and what to do, and exit with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define TRAILER_SIZE 64
#define MAGIC "OSQPACK1"
#define MAX_FILES 4096
#define PATH_SIZE 4096
/* The shell's own entry in the payload (cmd/shell/entry.ts bundled alone; see scripts/build.ts). */
#define SHELL_ENTRY "shell/entry.js"

struct entry {
  char name[256];
  uint64_t offset;
  uint64_t size;
  unsigned mode;
};

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("osq: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* Formats a path into a PATH_SIZE buffer; a path that does not fit is an error, never truncated. */
static void path_fmt(char *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, PATH_SIZE, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= PATH_SIZE) die("path too long (from %s); set OSQ_CACHE_DIR to a shorter directory", fmt);
}

static uint64_t le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void read_at(int fd, void *buf, size_t len, off_t off, const char *self) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("cannot read the payload of %s: %s", self, n < 0 ? strerror(errno) : "file is truncated");
    done += (size_t)n;
  }
}

/* Creates `path` as a private directory, or accepts an existing one that is safe to use. */
static int private_dir(const char *path, int create, char *why, size_t why_len) {
  if (create && mkdir(path, 0700) != 0 && errno != EEXIST) {
    snprintf(why, why_len, "cannot create %s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (lstat(path, &st) != 0) {
    snprintf(why, why_len, "cannot use %s: %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(why, why_len, "%s is not a directory (a symlink is refused)", path);
    return -1;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
    snprintf(why, why_len, "%s must be owned by uid %u and writable by no one else", path, (unsigned)geteuid());
    return -1;
  }
  return 0;
}

/* mkdir -p for the parents of the cache (e.g. $HOME/.cache); failures surface at private_dir. */
static void make_parents(const char *path) {
  char tmp[PATH_SIZE];
  path_fmt(tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(tmp, 0700);
    *p = '/';
  }
}

/* A payload name is a relative path whose components are plain names (no "", ".", ".." or dot files). */
static int safe_name(const char *name) {
  if (*name == '\0' || *name == '/') return 0;
  for (const char *p = name; *p;) {
    if (*p == '.' || *p == '/') return 0;
    const char *slash = strchr(p, '/');
    if (!slash) return 1;
    p = slash + 1;
    if (*p == '\0') return 0;
  }
  return 1;
}

static void unpack(int self_fd, const char *self, const char *dir, const struct entry *e) {
  char path[PATH_SIZE], tmp[PATH_SIZE];
  path_fmt(path, "%s/%s", dir, e->name);
  /* Subdirectories of the payload (bundle chunks under cmd/...), private like the cache dir. */
  for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
    *p = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST) die("cannot create %s: %s", path, strerror(errno));
    *p = '/';
  }
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == e->size && st.st_uid == geteuid()) {
    return;
  }
  path_fmt(tmp, "%s.%ld.tmp", path, (long)getpid());
  int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, e->mode & 0700);
  if (out < 0) die("cannot unpack into %s: %s (set OSQ_CACHE_DIR to a writable directory)", tmp, strerror(errno));
  off_t off = (off_t)e->offset;
  uint64_t left = e->size;
  while (left > 0) {
    ssize_t n = sendfile(out, self_fd, &off, left > (1u << 30) ? (1u << 30) : (size_t)left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      unlink(tmp);
      die("cannot unpack %s from %s into %s: %s (is the disk full?)", e->name, self, tmp, strerror(err));
    }
    left -= (uint64_t)n;
  }
  /* Drop the written pages from the page cache. While the whole file sits there as the write left
     it, every process mapping it (Deno's binary above all) gets more of it mapped in at each fault
     than it uses: measured ~2 MiB more RSS per start (hello.ts under a freshly copied Deno: 28.8 MiB,
     26.2 after dropping its pages). Read back on demand, the file maps as an installed binary does. */
  int synced = fsync(out) == 0;
  if (synced) posix_fadvise(out, 0, 0, POSIX_FADV_DONTNEED);
  if (!synced || close(out) != 0) {
    int err = errno;
    unlink(tmp);
    die("cannot write %s: %s", tmp, strerror(err));
  }
  if (rename(tmp, path) != 0) {
    int err = errno;
    unlink(tmp);
    die("cannot rename %s to %s: %s", tmp, path, strerror(err));
  }
}

int main(int argc, char **argv) {
  char self[PATH_SIZE];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) die("cannot find this executable through /proc/self/exe: %s (is /proc mounted?)", strerror(errno));
  self[len] = '\0';
  int fd = open(self, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open %s: %s", self, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < TRAILER_SIZE) die("%s is too short to carry osq's payload", self);

  unsigned char trailer[TRAILER_SIZE];
  read_at(fd, trailer, TRAILER_SIZE, st.st_size - TRAILER_SIZE, self);
  if (memcmp(trailer, MAGIC, 8) != 0) die("%s carries no osq payload (build it with `deno task build`)", self);
  uint64_t index_off = le64(trailer + 8), index_len = le64(trailer + 16);
  char id[33];
  memcpy(id, trailer + 24, 32);
  id[32] = '\0';
  for (int i = 0; i < 32; i++) {
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) die("%s: corrupt payload id", self);
  }
  if (index_len == 0 || index_len > (1u << 20) || index_off + index_len > (uint64_t)st.st_size) {
    die("%s: corrupt payload index", self);
  }
  char *index = malloc(index_len + 1);
  if (!index) die("out of memory");
  read_at(fd, index, index_len, (off_t)index_off, self);
  index[index_len] = '\0';

  /* Index lines: name <TAB> offset <TAB> size <TAB> octal mode */
  struct entry entries[MAX_FILES];
  int count = 0;
  for (char *line = strtok(index, "\n"); line; line = strtok(NULL, "\n")) {
    if (count == MAX_FILES) die("%s: too many payload files", self);
    struct entry *e = &entries[count];
    unsigned long long off, size;
    if (sscanf(line, "%255[^\t]\t%llu\t%llu\t%o", e->name, &off, &size, &e->mode) != 4 || !safe_name(e->name) ||
        off + size > index_off) {
      die("%s: corrupt payload index line '%s'", self, line);
    }
    e->offset = off;
    e->size = size;
    count++;
  }

  char base[PATH_SIZE];
  const char *env;
  if ((env = getenv("OSQ_CACHE_DIR")) && *env) path_fmt(base, "%s", env);
  else if (geteuid() == 0) path_fmt(base, "/var/cache/osquery");
  else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/') path_fmt(base, "%s/osq", env);
  else if ((env = getenv("HOME")) && *env == '/' && strcmp(env, "/") != 0) path_fmt(base, "%s/.cache/osq", env);
  else path_fmt(base, "/tmp/osq-%u", (unsigned)geteuid());

  char dir[PATH_SIZE], why[PATH_SIZE + 128];
  path_fmt(dir, "%s/%s", base, id);
  make_parents(base);
  if (private_dir(base, 1, why, sizeof why) != 0 || private_dir(dir, 1, why, sizeof why) != 0) {
    die("%s; set OSQ_CACHE_DIR to a private directory osq may unpack into", why);
  }
  const char *deno = NULL, *bundle = NULL, *shell_entry = NULL;
  for (int i = 0; i < count; i++) {
    if (strcmp(entries[i].name, "deno") == 0) deno = "deno";
    if (strcmp(entries[i].name, "osq.js") == 0) bundle = "osq.js";
    if (strcmp(entries[i].name, SHELL_ENTRY) == 0) shell_entry = SHELL_ENTRY;
  }
  /* The marker is written after every file is in place: later starts check it alone. */
  char marker[PATH_SIZE];
  path_fmt(marker, "%s/.unpacked", dir);
  struct stat mst;
  if (lstat(marker, &mst) != 0 || !S_ISREG(mst.st_mode) || mst.st_uid != geteuid()) {
    for (int i = 0; i < count; i++) unpack(fd, self, dir, &entries[i]);
    int m = open(marker, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (m >= 0) close(m);
  }
  close(fd);
  if (!deno || !bundle) die("%s: the payload lacks deno or osq.js", self);

  char deno_path[PATH_SIZE], bundle_path[PATH_SIZE], map_path[PATH_SIZE], deno_dir[PATH_SIZE];
  path_fmt(deno_path, "%s/deno", dir);
  /* The shell has an entry of its own: `osq shell` and a link named osqueryi run it directly, without
     osq.js's dispatch and its dynamic import of the shell. The name decides first, as main.ts's. */
  const char *called = argv[0] ? argv[0] : "";
  const char *slash = strrchr(called, '/');
  if (slash) called = slash + 1;
  int first_arg = 1;
  int daemon = strstr(called, "osqueryd") || (argc > 1 && strcmp(argv[1], "daemon") == 0);
  if (shell_entry && !strstr(called, "osqueryd")) {
    if (strstr(called, "osqueryi")) bundle = shell_entry;
    else if (argc > 1 && strcmp(argv[1], "shell") == 0) {
      bundle = shell_entry;
      first_arg = 2;
    }
  }
  path_fmt(bundle_path, "%s/%s", dir, bundle);
  path_fmt(map_path, "%s/import_map.json", dir);
  /* V8 flags are part of the code cache's key: the daemon (tuned for size) and the shell (no lazy
     compilation) keep caches of their own, or they and the other faces would reject and rewrite
     each other's cached code on every start. */
  int shell = bundle == shell_entry;
  path_fmt(deno_dir, daemon ? "%s/deno_dir_daemon" : shell ? "%s/deno_dir_shell" : "%s/deno_dir", dir);

  setenv("OSQ_ARGV0", argv[0] ? argv[0] : "osq", 1);
  setenv("OSQ_SELF", self, 1);
  setenv("DENO_DIR", deno_dir, 1);
  setenv("DENO_NO_UPDATE_CHECK", "1", 1);
  setenv("DENO_UNSTABLE_LAZY_DYNAMIC_IMPORTS", "1", 1);
  unsetenv("DENO_INSTALL_ROOT");
  /* The daemon's processes run with V8 tuned for memory, as the osq launcher sets it (see there);
     the worker inherits it. A user's own DENO_V8_FLAGS come after and win. */
  if (daemon) {
    const char *tuned = "--max-semi-space-size=2,--heap-growing-percent=30,--no-memory-reducer,--expose-gc";
    const char *own = getenv("DENO_V8_FLAGS");
    size_t tuned_len = strlen(tuned);
    if (!own || !*own) setenv("DENO_V8_FLAGS", tuned, 1);
    else if (strncmp(own, tuned, tuned_len) != 0 || (own[tuned_len] != '\0' && own[tuned_len] != ',')) {
      char *both = malloc(strlen(tuned) + strlen(own) + 2);
      if (!both) die("out of memory");
      sprintf(both, "%s,%s", tuned, own);
      setenv("DENO_V8_FLAGS", both, 1);
      free(both);
    }
  }

  const char *fixed[] = {
      "deno", "run", "-A", "--unstable-kv", "--quiet", "--no-prompt", "--no-lock", "--no-config", "--no-remote",
      "--import-map", map_path,
  };
  size_t nfixed = sizeof fixed / sizeof fixed[0];
  char **args = calloc(nfixed + 3 + (size_t)argc + 1, sizeof(char *));
  if (!args) die("out of memory");
  size_t n = 0;
  for (size_t i = 0; i < nfixed; i++) args[n++] = (char *)fixed[i];
  /* The shell compiles every function of a module when it loads it, so the code cache holds them
     all: lazily compiled functions are not in the cache and were compiled again at every start
     (select 1 and the processes query: ~10 % less CPU each, +0.3 MiB; A/B, 21 rounds in turn).
     Nor does it compile baseline (Sparkplug) code, which a short command pays for on a second
     thread and hardly runs: -7 % (select 1) and -10 % (processes) more, and no slower where rows
     are many (300,000 rows printed as CSV 0.70 -> 0.65 s, Maglev still compiles the hot code).
     The young generation starts at 2 MiB, not 1: the processes query made two scavenges (on V8's
     helper threads too) and makes one, -3 ms and -1.4 MiB (25 rounds in turn); 300,000 rows are
     no slower and no larger (4 MiB was +3.8 MiB there). */
  if (shell) args[n++] = "--v8-flags=--no-lazy,--no-sparkplug,--min-semi-space-size=2";
  /* The daemon's processes map no code cache: its pages stayed resident in each of them (2.5 MiB
     in the supervisor, 3.3 in the worker) for a start-up the daemon makes once (no CPU difference
     measured in four starts in turn). */
  if (daemon) args[n++] = "--no-code-cache";
  args[n++] = bundle_path;
  for (int i = first_arg; i < argc; i++) args[n++] = argv[i];
  execv(deno_path, args);
  die("cannot run %s: %s", deno_path, strerror(errno));
}
