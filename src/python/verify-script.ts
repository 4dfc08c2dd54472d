/**
 * The Python program python verify runs on each node inside the venv (sent on stdin, never written to
 * the node). It does the seed's two checks on data it generates itself, prints one JSON line, and
 * removes its directory whatever happens. argv: <dir under the mount> <threefs_mount_root> <rows> <partitions>.
 * The smallpond calls are those of open3fs/smallpond-3fs README.md (init(data_root=...), read_parquet,
 * repartition(n, hash_by=...), partial_sql("... {0} ...", df), write_parquet(dir)).
 */
export const VERIFY_PY = String.raw`
import json, os, shutil, sys, time
work, mount_root, rows, parts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = {"ms": {}}
def timed(name, fn):
    t = time.perf_counter()
    value = fn()
    out["ms"][name] = round((time.perf_counter() - t) * 1000, 2)
    return value
def url(path):
    # The extension maps 3fs://a/b to /a/b.
    return "3fs://" + path.lstrip("/")
try:
    os.makedirs(work)
    import duckdb
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD threefs")
    con.execute("SET threefs_mount_root = '%s'" % mount_root.replace("'", "''"))
    gen = "SELECT 'T' || (i %% 13) AS ticker, i AS ts, ((i * 7919) %% 100003) / 100.0 AS price FROM range(%d) t(i)" % rows
    digest = "count(*), sum(hash(ticker, ts, price))"
    prices = work + "/prices.parquet"
    timed("write3fs", lambda: con.execute("COPY (%s) TO '%s' (FORMAT parquet)" % (gen, url(prices))))
    expected = list(con.execute("SELECT %s FROM (%s)" % (digest, gen)).fetchall()[0])
    by_url = list(timed("read3fs", lambda: con.execute("SELECT %s FROM read_parquet('%s')" % (digest, url(prices))).fetchall()[0]))
    by_path = list(timed("readPath", lambda: con.execute("SELECT %s FROM read_parquet('%s')" % (digest, prices)).fetchall()[0]))
    copy = work + "/output.parquet"
    timed("writePath", lambda: con.execute("COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet)" % (prices, copy)))
    copied = list(con.execute("SELECT %s FROM read_parquet('%s')" % (digest, url(copy))).fetchall()[0])
    out["duckdb"] = {"expected": expected, "read3fs": by_url, "readPath": by_path, "copy": copied,
                     "ok": by_url == expected and by_path == expected and copied == expected}
    import smallpond
    query = "SELECT ticker, min(price) AS lo, max(price) AS hi, count(*) AS n FROM {0} GROUP BY ticker"
    def pipeline():
        sp = smallpond.init(data_root=work + "/smallpond")
        df = sp.read_parquet(prices)
        df = df.repartition(parts, hash_by="ticker")
        df = sp.partial_sql(query, df)
        df.write_parquet(work + "/smallpond-out")
    timed("smallpond", pipeline)
    got = [list(r) for r in con.execute("SELECT ticker, lo, hi, n FROM read_parquet('%s/smallpond-out/*.parquet') ORDER BY ticker" % work).fetchall()]
    want = [list(r) for r in con.execute(query.replace("{0}", "read_parquet('%s')" % prices) + " ORDER BY ticker").fetchall()]
    out["smallpond"] = {"groups": len(got), "expectedGroups": len(want), "ok": got == want and len(want) > 0}
    out["ok"] = out["duckdb"]["ok"] and out["smallpond"]["ok"]
except Exception as error:
    out["ok"] = False
    out["error"] = "%s: %s" % (type(error).__name__, error)
finally:
    shutil.rmtree(work, ignore_errors=True)
    out["removed"] = not os.path.exists(work)
print(json.dumps(out, default=str))
`
