// Preloaded (LD_PRELOAD) into a writer process of the fault suite when it runs the file-backed store:
// SQLite writes the database, its write-ahead log and VACUUM INTO backups from C, out of reach of
// inject.cjs, so their faults are injected here, at the C library calls SQLite makes. Test-only: it
// is compiled by the harness and never shipped.
//
// SB_NFAULT_POINT names the point, SB_NFAULT_KIND the fault (enospc, eio, short, kill),
// SB_NFAULT_NTH which call of that point gets it, SB_NFAULT_AFTER=1 kills after a sync instead of
// before. Points, by the file a call works on:
//   sqlite-wal-write, sqlite-wal-sync   <db>-wal (every commit)
//   sqlite-db-write, sqlite-db-sync     <db> itself (checkpoints, VACUUM)
//   sqlite-backup-write                 <db>.backup-* (VACUUM INTO before a migration)
// A failing write stores half its bytes first (a torn write); a short one stores half and says so.
// SB_FAULT_MARK is written when the fault fires; SB_FAULT_COUNT.native gets the calls per point at exit.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum { WAL_WRITE, WAL_SYNC, DB_WRITE, DB_SYNC, BACKUP_WRITE, NONE, POINTS = NONE };
static const char *NAMES[POINTS] = {"sqlite-wal-write", "sqlite-wal-sync", "sqlite-db-write", "sqlite-db-sync", "sqlite-backup-write"};
static long counts[POINTS];
static int target = NONE;
static char kind[16];
static long nth;
static int after;
static long seen;
static int fired;

static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

__attribute__((constructor)) static void setup(void) {
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_write = dlsym(RTLD_NEXT, "write");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  const char *point = getenv("SB_NFAULT_POINT");
  for (int i = 0; point && i < POINTS; i++)
    if (strcmp(point, NAMES[i]) == 0) target = i;
  const char *k = getenv("SB_NFAULT_KIND");
  if (k) snprintf(kind, sizeof kind, "%s", k);
  nth = getenv("SB_NFAULT_NTH") ? atol(getenv("SB_NFAULT_NTH")) : 0;
  after = getenv("SB_NFAULT_AFTER") && strcmp(getenv("SB_NFAULT_AFTER"), "1") == 0;
}

__attribute__((destructor)) static void report(void) {
  const char *file = getenv("SB_FAULT_COUNT");
  if (!file) return;
  char path[4096];
  snprintf(path, sizeof path, "%s.native", file);
  FILE *out = fopen(path, "w");
  if (!out) return;
  fputc('{', out);
  for (int i = 0; i < POINTS; i++) fprintf(out, "%s\"%s\":%ld", i ? "," : "", NAMES[i], counts[i]);
  fputs("}\n", out);
  fclose(out);
}

/** Which kind of file a descriptor is, from its path. */
static int classify(int fd, int sync) {
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return NONE;
  path[n] = 0;
  size_t len = (size_t)n;
  if (len > 4 && strcmp(path + len - 4, "-wal") == 0) return sync ? WAL_SYNC : WAL_WRITE;
  if (len > 9 && strcmp(path + len - 9, "skills.db") == 0) return sync ? DB_SYNC : DB_WRITE;
  if (!sync && strstr(path, "skills.db.backup-")) return BACKUP_WRITE;
  return NONE;
}

/** Counts the call; true when this is the call that gets the fault. */
static int hit(int point) {
  if (point == NONE) return 0;
  counts[point]++;
  if (fired || point != target || ++seen != nth) return 0;
  fired = 1;
  const char *mark = getenv("SB_FAULT_MARK");
  if (mark) {
    int fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      syscall(SYS_write, fd, NAMES[point], strlen(NAMES[point]));
      close(fd);
    }
  }
  return 1;
}

static void die(void) { kill(getpid(), SIGKILL); }

/** The fault of a write: half the bytes stored, then an error, a short count, or the process killed. */
static ssize_t faulty_write(int fd, const void *buf, size_t count, off64_t offset, int positioned) {
  size_t half = count / 2;
  if (half > 0) {
    if (positioned) real_pwrite64(fd, buf, half, offset);
    else real_write(fd, buf, half);
  }
  if (strcmp(kind, "kill") == 0) die();
  if (strcmp(kind, "short") == 0) return (ssize_t)half;
  errno = strcmp(kind, "eio") == 0 ? EIO : ENOSPC;
  return -1;
}

static int faulty_sync(int fd, int (*sync)(int)) {
  if (strcmp(kind, "kill") == 0) {
    if (after) sync(fd);
    die();
  }
  errno = strcmp(kind, "eio") == 0 ? EIO : ENOSPC;
  return -1;
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
  if (hit(classify(fd, 0))) return faulty_write(fd, buf, count, offset, 1);
  return real_pwrite64(fd, buf, count, offset);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
  if (hit(classify(fd, 0))) return faulty_write(fd, buf, count, offset, 1);
  return real_pwrite(fd, buf, count, offset);
}

ssize_t write(int fd, const void *buf, size_t count) {
  if (fd > 2 && hit(classify(fd, 0))) return faulty_write(fd, buf, count, 0, 0);
  return real_write(fd, buf, count);
}

int fsync(int fd) {
  if (hit(classify(fd, 1))) return faulty_sync(fd, real_fsync);
  return real_fsync(fd);
}

int fdatasync(int fd) {
  if (hit(classify(fd, 1))) return faulty_sync(fd, real_fdatasync);
  return real_fdatasync(fd);
}
