/*
 * Canonical rows in batches: steps a statement and writes many rows' canonical text
 * (core/results/diff.ts: a JSON object, keys sorted, integers, strings, NULL as "") into one
 * buffer per call, with each row's FNV-1a hash, so that a million rows cost a few hundred calls
 * from TypeScript instead of several FFI calls per value and a string per row.
 * core/sqlite/row_batch.ts calls it for the rows of a scheduled query
 * (core/results/canonical_rows.ts). A row it does not write (a double, a blob, text that is not
 * UTF-8) stops the call with the statement on that row, and TypeScript reads it value by value.
 *
 * Also the chunked diff's merge of stored rows with the current ones (osq_merge).
 *
 * Built freestanding like core/vtab/native/cursor.c (no libc, no globals, no relocations): SQLite
 * comes through the Api table. scripts/build_native_rows.ts compiles this file into
 * core/sqlite/native/rows_<arch>.ts.
 */

typedef unsigned int u32;
typedef long long i64;

/** SQLite's functions, resolved by dlsym in the loaded libsqlite3. */
typedef struct Api {
  int (*step)(void *stmt);
  const unsigned char *(*column_text)(void *stmt, int i);
  int (*column_bytes)(void *stmt, int i);
  int (*column_type)(void *stmt, int i);
  i64 (*column_int64)(void *stmt, int i);
} Api;

/**
 * The batch memory: this header, then `max_rows` row ends, `max_rows` hashes, then `capacity`
 * bytes of rows (each followed by a newline).
 */
typedef struct Batch {
  int capacity;  /*  0: bytes for rows */
  int max_rows;  /*  4 */
  int rows;      /*  8: out: rows written */
  int used;      /* 12: out: bytes used (rows and their newlines) */
  int rc;        /* 16: out: the step's result code that ended the call */
  int units;     /* 20: out: UTF-16 units of the rows written (their text's length in JavaScript) */
  int pad[2];    /* 24 */
} Batch;

enum { BATCH_FULL = 0, BATCH_DONE = 1, BATCH_OTHER = 2, BATCH_ERROR = 3 };
enum { SQLITE_ROW = 100, SQLITE_DONE = 101 };
enum { SQLITE_INTEGER = 1, SQLITE_FLOAT = 2, SQLITE_TEXT = 3, SQLITE_BLOB = 4, SQLITE_NULL = 5 };

/*
 * Writes a text value as the canonical text's string literal (JSON.stringify of the text with
 * each byte below 0x20 as `\xHH`): quotes, `\"`, `\\`, control bytes as `\\xHH`. Returns the
 * bytes written, or -1 when the text is not valid UTF-8 (as the WHATWG decoder accepts it; the
 * caller then reads the row its own way, where invalid bytes become U+FFFD).
 */
static int osq_text(const unsigned char *b, int n, unsigned char *o) {
  int w = 0;
  o[w++] = '"';
  for (int i = 0; i < n; i++) {
    unsigned c = b[i];
    if (c < 0x20) {
      o[w++] = '\\';
      o[w++] = '\\';
      o[w++] = 'x';
      o[w++] = (unsigned char)('0' + (c >> 4)); /* 0 or 1 */
      o[w++] = (unsigned char)((c & 15) < 10 ? '0' + (c & 15) : 'A' + (c & 15) - 10);
    } else if (c == '"' || c == '\\') {
      o[w++] = '\\';
      o[w++] = (unsigned char)c;
    } else if (c < 0x80) {
      o[w++] = (unsigned char)c;
    } else {
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
      for (int k = 0; k < len; k++) o[w++] = b[i + k];
      i += len - 1;
    }
  }
  o[w++] = '"';
  return w;
}

/* Writes a 64-bit integer in decimal; returns the bytes written. */
static int osq_integer(i64 v, unsigned char *o) {
  unsigned char digits[20];
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  int d = 0, w = 0;
  do {
    digits[d++] = (unsigned char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) o[w++] = '-';
  while (d) o[w++] = digits[--d];
  return w;
}

/*
 * Writes the current row of `stmt` and the rows after it (stepping) into the batch `mem` as
 * canonical text (core/results/diff.ts): `shape` gives the keys in order, each as the column it
 * takes and the text before its value (`{"name":` or `,"name":`): int32 count, then per key the
 * column and the text's byte length, then the texts. Integers, text and NULL ("") are written
 * here; a double, a blob or text that is not valid UTF-8 stops the batch (BATCH_OTHER, the
 * statement on that row), as does a row that does not fit an empty batch. Otherwise the call
 * ends when the batch is full (BATCH_FULL: the statement is on a row not written yet), when the
 * statement ends (BATCH_DONE), or when a step fails (BATCH_ERROR, its code in rc).
 */
int osq_rows(const Api *api, void *stmt, unsigned char *mem, const unsigned char *shape) {
  Batch *batch = (Batch *)mem;
  u32 *ends = (u32 *)(mem + sizeof(Batch));
  u32 *hashes = ends + batch->max_rows;
  unsigned char *out = (unsigned char *)(hashes + batch->max_rows);
  const int *keys = (const int *)shape;
  int count = keys[0];
  const unsigned char *texts = shape + 4 + 8 * count;
  int capacity = batch->capacity;
  int rows = 0, used = 0, units = 0, status;
  batch->rc = SQLITE_ROW;
  for (;;) {
    int o = used;
    const unsigned char *text = texts;
    int fits = 1, plain = 1;
    for (int k = 0; k < count && fits && plain; k++) {
      int column = keys[1 + 2 * k], bytes = keys[2 + 2 * k];
      /* The key's text, and 20 bytes: an integer, "" or the quotes of a string. */
      if (o + bytes + 22 > capacity) {
        fits = 0;
        break;
      }
      for (int b = 0; b < bytes; b++) out[o++] = text[b];
      text += bytes;
      switch (api->column_type(stmt, column)) {
      case SQLITE_INTEGER:
        o += osq_integer(api->column_int64(stmt, column), out + o);
        break;
      case SQLITE_NULL:
        out[o++] = '"';
        out[o++] = '"';
        break;
      case SQLITE_TEXT: {
        const unsigned char *value = api->column_text(stmt, column);
        int n = api->column_bytes(stmt, column);
        if (value == 0) {
          plain = 0;
          break;
        }
        /* At worst 5 bytes a byte (`\\x01`), the quotes and the row's end. */
        if ((long long)o + 5LL * n + 4 > capacity) {
          fits = 0;
          break;
        }
        int w = osq_text(value, n, out + o);
        if (w < 0) plain = 0;
        else o += w;
        break;
      }
      default:
        plain = 0;
      }
    }
    if (fits && o + 2 > capacity) fits = 0;
    if (!fits || !plain) {
      status = plain && rows > 0 ? BATCH_FULL : BATCH_OTHER;
      break;
    }
    out[o++] = '}';
    u32 h = 0x811c9dc5u;
    int u = 0;
    for (int k = used; k < o; k++) {
      unsigned char c = out[k];
      h = (h ^ c) * 0x01000193u;
      /* A UTF-16 unit per sequence, two for a 4-byte one. */
      u += (c & 0xc0) != 0x80;
      u += c >= 0xf0;
    }
    out[o++] = '\n';
    units += u;
    ends[rows] = (u32)o;
    hashes[rows] = h;
    used = o;
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

/* Compares current row bytes a[0, an) with stored row bytes b[0, bn) as unsigned bytes, then by length. */
static int osq_compare(const unsigned char *a, int an, const unsigned char *b, int bn) {
  int n = an < bn ? an : bn;
  int k = 0;
  for (; k + 8 <= n; k += 8) {
    unsigned long long x, y;
    __builtin_memcpy(&x, a + k, 8);
    __builtin_memcpy(&y, b + k, 8);
    if (x != y) break;
  }
  for (; k < n; k++)
    if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
  return an - bn;
}

/*
 * The chunked diff's merge (core/results/chunked_rows.ts walkRows): stored rows (a bucket, sorted
 * by hash then bytes, each followed by a newline, their hashes in `old_hashes`) against the
 * current rows in the same order (place j: row order[j], bytes cur[starts[i], starts[i + 1] - 1),
 * hash hashes[j]). A current row before a stored one is added; a stored row not current is
 * removed; equal rows pass. `at` holds j, n (current rows), r, count (stored rows), s (byte of
 * stored row r), the stored bytes, then the added places written to `added` and its room, the
 * removed rows written to `removed` (byte start, end and hash each) and its room. Returns when the
 * stored rows are done or an output is full, with j, r, s and the counts written back.
 */
void osq_merge(const unsigned char *cur, const u32 *starts, const u32 *order, const u32 *hashes,
               const unsigned char *old, const u32 *old_hashes, int *at, u32 *added, u32 *removed) {
  int j = at[0], n = at[1], r = at[2], count = at[3], s = at[4], old_bytes = at[5];
  int adds = at[6], add_room = at[7], removes = at[8], remove_room = at[9];
  while (r < count && s < old_bytes && removes < remove_room) {
    u32 h = old_hashes[r];
    /* Current rows are visited in hash order, scattered over their buffer: fetch ahead. */
    if (j + 16 < n) __builtin_prefetch(&starts[order[j + 16]]);
    if (j + 8 < n) __builtin_prefetch(cur + starts[order[j + 8]]);
    if (j < n && hashes[j] == h) {
      /* Most stored rows are the current row at j: its bytes, then a newline. */
      u32 i = order[j];
      int from = (int)starts[i];
      int len = (int)starts[i + 1] - 1 - from;
      int end = s + len;
      if (end < old_bytes && old[end] == '\n' && osq_compare(cur + from, len, old + s, len) == 0) {
        j++;
        r++;
        s = end + 1;
        continue;
      }
    }
    int e = s;
    while (e < old_bytes && old[e] != '\n') e++;
    int c = 1;
    while (j < n && hashes[j] <= h) {
      if (hashes[j] == h) {
        u32 i = order[j];
        c = osq_compare(cur + starts[i], (int)(starts[i + 1] - 1 - starts[i]), old + s, e - s);
        if (c >= 0) break;
      }
      if (adds == add_room) goto out; /* row r is taken again by the next call */
      added[adds++] = (u32)j;
      j++;
      c = 1;
    }
    if (j < n && hashes[j] == h && c == 0) j++;
    else {
      removed[3 * removes] = (u32)s;
      removed[3 * removes + 1] = (u32)e;
      removed[3 * removes + 2] = h;
      removes++;
    }
    r++;
    s = e + 1;
  }
out:
  at[0] = j;
  at[2] = r;
  at[4] = s;
  at[6] = adds;
  at[8] = removes;
}

/*
 * Orders rows by their 32-bit hashes (core/results/sorted_rows.ts): `order` gets the indexes
 * 0..n-1 sorted by keys[i] (stable: equal keys keep their index order), `sorted` the keys in that
 * order. A least-significant-digit radix sort, two 16-bit passes; `tmp` holds n indexes and
 * `counts` 65,537 counters.
 */
void osq_sort(const u32 *keys, int n, u32 *order, u32 *sorted, u32 *tmp, u32 *counts) {
  for (int pass = 0; pass < 2; pass++) {
    int shift = pass * 16;
    for (int d = 0; d <= 65536; d++) counts[d] = 0;
    for (int i = 0; i < n; i++) counts[((keys[i] >> shift) & 0xffff) + 1]++;
    for (int d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    if (pass == 0) {
      for (int i = 0; i < n; i++) tmp[counts[keys[i] & 0xffff]++] = (u32)i;
    } else {
      for (int k = 0; k < n; k++) {
        u32 i = tmp[k];
        order[counts[keys[i] >> 16]++] = i;
      }
    }
  }
  for (int k = 0; k < n; k++) sorted[k] = keys[order[k]];
}

/* The end (its newline, or the end of the bytes) of the row at byte s. */
static int osq_row_end(const unsigned char *rows, int bytes, int s) {
  while (s < bytes && rows[s] != '\n') s++;
  return s;
}

/*
 * A stored bucket with its delta applied (core/results/chunked_rows.ts applyDelta): the rows of
 * `base` without those of `del`, merged with those of `add`, in the buckets' order (hash, then
 * bytes); each input is rows followed by newlines with their hashes. `at` holds the bytes and row
 * counts of base, add and del; the result's row count and bytes are written to at[6] and at[7],
 * its rows to `out` (room for base and add) and their hashes to `out_hashes`.
 */
void osq_apply(const unsigned char *base, const u32 *base_hashes, const unsigned char *add, const u32 *add_hashes,
               const unsigned char *del, const u32 *del_hashes, unsigned char *out, u32 *out_hashes, int *at) {
  int b_bytes = at[0], bn = at[1], a_bytes = at[2], an = at[3], d_bytes = at[4], dn = at[5];
  int i = 0, k = 0, d = 0;
  int bs = 0, as = 0, ds = 0;
  int be = osq_row_end(base, b_bytes, 0), ae = osq_row_end(add, a_bytes, 0), de = osq_row_end(del, d_bytes, 0);
  int o = 0, count = 0;
  while (i < bn || k < an) {
    if (i < bn) {
      /* Skip removed rows that sort before this one (there are none unless the delta is damaged). */
      int c = 0;
      while (d < dn) {
        c = del_hashes[d] != base_hashes[i] ? (del_hashes[d] < base_hashes[i] ? -1 : 1)
                                            : osq_compare(del + ds, de - ds, base + bs, be - bs);
        if (c >= 0) break;
        d++;
        ds = de + 1;
        de = osq_row_end(del, d_bytes, ds);
      }
      if (d < dn && c == 0) {
        d++;
        ds = de + 1;
        de = osq_row_end(del, d_bytes, ds);
        i++;
        bs = be + 1;
        be = osq_row_end(base, b_bytes, bs);
        continue;
      }
    }
    int take_add = 0;
    if (k < an) {
      if (i >= bn) take_add = 1;
      else {
        int c = add_hashes[k] != base_hashes[i] ? (add_hashes[k] < base_hashes[i] ? -1 : 1)
                                                : osq_compare(add + as, ae - as, base + bs, be - bs);
        take_add = c <= 0;
      }
    }
    const unsigned char *from;
    int s, e;
    if (take_add) {
      from = add, s = as, e = ae;
      out_hashes[count] = add_hashes[k++];
      as = ae + 1;
      ae = osq_row_end(add, a_bytes, as);
    } else {
      from = base, s = bs, e = be;
      out_hashes[count] = base_hashes[i++];
      bs = be + 1;
      be = osq_row_end(base, b_bytes, bs);
    }
    count++;
    for (int x = s; x < e; x++) out[o++] = from[x];
    out[o++] = '\n';
  }
  at[6] = count;
  at[7] = o;
}
