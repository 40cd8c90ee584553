/*
 * Row text in batches: steps a statement and copies column 0's text of many rows into one buffer
 * per call, with each row's FNV-1a hash, so that reading a million rows' text costs a few hundred
 * calls from TypeScript instead of two FFI calls (sqlite3_column_text, sqlite3_column_bytes) and a
 * copy per row. core/sqlite/row_batch.ts calls it for the canonical rows of a scheduled query
 * (core/results/canonical_rows.ts), whose column 0 is the row's text as json_object writes it.
 *
 * Only rows whose text is already the canonical text are copied (osq_plain below mirrors
 * plainRow in canonical_rows.ts: an object of string keys whose values are strings or integers,
 * the only escapes \" and \\, and valid UTF-8). At any other row the call stops with the statement
 * on that row, and TypeScript reads it value by value.
 *
 * Built freestanding like core/vtab/native/cursor.c (no libc, no globals, no relocations): SQLite
 * comes through the Api table. scripts/build_native_rows.ts compiles this file into
 * core/sqlite/native/rows_<arch>.ts.
 */

typedef unsigned int u32;

/** SQLite's functions, resolved by dlsym in the loaded libsqlite3. */
typedef struct Api {
  int (*step)(void *stmt);
  const unsigned char *(*column_text)(void *stmt, int i);
  int (*column_bytes)(void *stmt, int i);
} Api;

/**
 * The batch memory: this header, then `max_rows` row ends, `max_rows` hashes, then `capacity`
 * bytes of rows (each followed by a newline).
 */
typedef struct Batch {
  int capacity;  /*  0: bytes for rows */
  int max_rows;  /*  4 */
  int rows;      /*  8: out: rows copied */
  int used;      /* 12: out: bytes used (rows and their newlines) */
  int rc;        /* 16: out: the step's result code that ended the call */
  int units;     /* 20: out: UTF-16 units of the rows copied (their text's length in JavaScript) */
  int pad[2];    /* 24 */
} Batch;

enum { BATCH_FULL = 0, BATCH_DONE = 1, BATCH_OTHER = 2, BATCH_ERROR = 3 };
enum { SQLITE_ROW = 100, SQLITE_DONE = 101 };

/*
 * UTF-16 units of `b[0, n)` when it is canonical text as json_object writes it and as
 * canonical_rows.ts's plainRow accepts it, with every byte sequence valid UTF-8 (as the
 * WHATWG decoder accepts it); -1 otherwise.
 */
static int osq_plain(const unsigned char *b, int n) {
  if (n < 2 || b[0] != '{') return -1;
  if (b[1] == '}') return n == 2 ? 2 : -1;
  int i = 1;
  int units = n;
  for (;;) {
    for (int part = 0; part < 2; part++) {
      if (i < n && b[i] == '"') {
        for (i++;; i++) {
          if (i >= n) return -1;
          unsigned c = b[i];
          if (c == '"') break;
          if (c == '\\') {
            if (i + 1 >= n || (b[i + 1] != '"' && b[i + 1] != '\\')) return -1;
            i++;
          } else if (c >= 0x80) {
            /* One UTF-8 sequence: its length, and the range of its second byte. */
            int len;
            unsigned lo = 0x80, hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) len = 2;
            else if (c >= 0xe0 && c <= 0xef) {
              len = 3;
              if (c == 0xe0) lo = 0xa0;
              if (c == 0xed) hi = 0x9f;
            } else if (c >= 0xf0 && c <= 0xf4) {
              len = 4;
              if (c == 0xf0) lo = 0x90;
              if (c == 0xf4) hi = 0x8f;
            } else return -1;
            if (i + len > n) return -1;
            if (b[i + 1] < lo || b[i + 1] > hi) return -1;
            for (int k = 2; k < len; k++)
              if (b[i + k] < 0x80 || b[i + k] > 0xbf) return -1;
            /* Bytes beyond the first are no unit of their own, except a 4-byte one's (a pair). */
            units -= len == 4 ? 2 : len - 1;
            i += len - 1;
          }
        }
        i++;
      } else if (part == 1) {
        if (i < n && b[i] == '-') i++;
        int start = i;
        while (i < n && b[i] >= '0' && b[i] <= '9') i++;
        if (i == start) return -1;
      } else return -1;
      if (part == 0) {
        if (i >= n || b[i] != ':') return -1;
        i++;
      }
    }
    if (i < n && b[i] == ',') {
      i++;
      continue;
    }
    if (i == n - 1 && b[i] == '}') return units;
    return -1;
  }
}

/*
 * Copies the current row of `stmt` and the rows after it (stepping) into the batch `mem`, until
 * the batch is full (BATCH_FULL: the statement is on a row not copied yet), the statement ends
 * (BATCH_DONE), a row is not plain or does not fit an empty batch (BATCH_OTHER: the statement is
 * on it), or a step fails (BATCH_ERROR, its code in rc).
 */
int osq_rows(const Api *api, void *stmt, unsigned char *mem) {
  Batch *batch = (Batch *)mem;
  u32 *ends = (u32 *)(mem + sizeof(Batch));
  u32 *hashes = ends + batch->max_rows;
  unsigned char *out = (unsigned char *)(hashes + batch->max_rows);
  int capacity = batch->capacity;
  int rows = 0, used = 0, units = 0, status;
  batch->rc = SQLITE_ROW;
  for (;;) {
    const unsigned char *text = api->column_text(stmt, 0);
    int n = api->column_bytes(stmt, 0);
    if (text == 0 || n + 1 > capacity - used) {
      status = text != 0 && rows > 0 ? BATCH_FULL : BATCH_OTHER;
      break;
    }
    int u = osq_plain(text, n);
    if (u < 0) {
      status = BATCH_OTHER;
      break;
    }
    u32 h = 0x811c9dc5u;
    unsigned char *o = out + used;
    for (int k = 0; k < n; k++) {
      unsigned char c = text[k];
      o[k] = c;
      h = (h ^ c) * 0x01000193u;
    }
    o[n] = '\n';
    used += n + 1;
    units += u;
    ends[rows] = (u32)used;
    hashes[rows] = h;
    rows++;
    int rc = api->step(stmt);
    if (rc != SQLITE_ROW) {
      batch->rc = rc;
      status = rc == SQLITE_DONE ? BATCH_DONE : BATCH_ERROR;
      break;
    }
    if (rows == batch->max_rows) {
      status = BATCH_FULL;
      break;
    }
  }
  batch->rows = rows;
  batch->used = used;
  batch->units = units;
  return status;
}
