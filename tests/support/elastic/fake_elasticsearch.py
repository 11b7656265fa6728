#!/usr/bin/python3
"""A stand-in for an Elasticsearch 8 node, for tests on machines where none can run.

It speaks the subset of the REST API FastDiscordDB uses, with request and
response bodies shaped like Elasticsearch 8's documented ones:
  HEAD/PUT/DELETE /{index}            index exists / create (mappings, aliases) / delete
  PUT /{index}/_alias/{name}
  POST /_bulk, /{index}/_bulk         NDJSON: index, create, delete; per-item results and errors
  POST /{index}/_refresh
  GET/PUT/DELETE /{index}/_doc/{id}  with _seq_no/_primary_term; PUT and DELETE take
                                      if_seq_no & if_primary_term (409 version_conflict_engine_exception)
  PUT /{index}/_create/{id}           409 when the document exists
  POST /{index}/_update/{id}          {"doc": {...}, "upsert": {...}}; 404 document_missing_exception
  POST /{index}/_search               query: bool (must, filter, must_not), term, terms, ids, range,
                                      match (operator and/or), wildcard (case_insensitive), match_all,
                                      match_none, regexp (case_insensitive), bool should
                                      (minimum_should_match);
                                      sort, from, size, search_after, track_total_hits, _source,
                                      aggs: terms (order, sub-aggregations), date_histogram
                                      (calendar_interval day), min, max
  POST /{index}/_count
  GET /, GET /_cluster/health
Text fields are analysed like the `english` analyzer: lowercase, English stop
words, Porter stemming (python3-snowballstemmer's "porter", as the analyzer's
stemmer). Wildcard fields keep the raw text.

Faults for tests, set by POST /_fake/faults with a JSON object:
  {"bulk_429": N}          the next N bulk requests answer 429 (es_rejected_execution_exception)
  {"bulk_item_error": ID}  indexing the document ID fails (mapper_parsing_exception), once per bulk
  {"search_500": N}        the next N searches answer 500
Usage: fake_elasticsearch.py PORT   (0: a free port; the first line printed is the port)
"""

import datetime
import json
import zoneinfo
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import snowballstemmer

STEMMER = snowballstemmer.stemmer("porter")
# Lucene's English stop words, as the `english` analyzer uses them.
STOP = set("a an and are as at be but by for if in into is it no not of on or such that the their then there "
           "these they this to was will with".split())
TOKEN = re.compile(r"\w+", re.UNICODE)

indices = {}  # name -> {"mappings": {...}, "docs": {id: source}, "aliases": set()}
seq_nos = {}  # (index, id) -> the _seq_no of the document's last write
next_seq_no = [0]
faults = {"bulk_429": 0, "bulk_item_error": None, "search_500": 0}
lock = threading.Lock()


def analyse(text):
    words = [w.lower() for w in TOKEN.findall(text or "")]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    return [STEMMER.stemWord(w) for w in words if w not in STOP]


def error(status, kind, reason, index=None):
    cause = {"type": kind, "reason": reason}
    if index:
        cause["index"] = index
    return status, {"error": {"root_cause": [cause], **cause}, "status": status}


def resolve(name):
    if name in indices:
        return name
    for index, data in indices.items():
        if name in data["aliases"]:
            return index
    return None


def field_value(doc, field):
    base = field.split(".")[0]
    return doc.get(base)


def wildcard_regex(pattern, insensitive):
    out = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 2
            continue
        out += ".*" if c == "*" else "." if c == "?" else re.escape(c)
        i += 1
    return re.compile("^" + out + "$", re.DOTALL | (re.IGNORECASE if insensitive else 0))


def as_number(field, value):
    if field in ("timestamp", "edited_ms"):
        return int(value)
    if field == "message_date":
        return datetime.date.fromisoformat(str(value)[:10]).toordinal()
    return value


def matches(doc, query):
    if not query or "match_all" in query:
        return True
    (kind, body), = query.items()
    if kind == "bool":
        for clause in ("must", "filter"):
            items = body.get(clause, [])
            items = items if isinstance(items, list) else [items]
            if not all(matches(doc, q) for q in items):
                return False
        items = body.get("must_not", [])
        items = items if isinstance(items, list) else [items]
        if any(matches(doc, q) for q in items):
            return False
        items = body.get("should", [])
        items = items if isinstance(items, list) else [items]
        # Elasticsearch's default: 1 when the bool has only should clauses, else 0.
        only_should = not any(body.get(c) for c in ("must", "filter", "must_not"))
        minimum = int(body.get("minimum_should_match", 1 if only_should else 0))
        return sum(1 for q in items if matches(doc, q)) >= minimum
    if kind == "match_none":
        return False
    if kind == "ids":
        return doc["_id"] in body["values"]
    (field, spec), = body.items()
    value = field_value(doc, field)
    if kind == "term":
        expected = spec["value"] if isinstance(spec, dict) else spec
        # A field holding an array matches when any of its values does.
        return expected in value if isinstance(value, list) else value == expected
    if kind == "terms":
        if isinstance(value, list):
            return any(v in spec for v in value)
        return value in spec
    if kind == "range":
        if value is None:
            return False
        v = as_number(field, value)
        for op, bound in spec.items():
            if op == "format":
                continue
            b = as_number(field, bound)
            if (op == "gte" and not v >= b) or (op == "gt" and not v > b) or \
               (op == "lte" and not v <= b) or (op == "lt" and not v < b):
                return False
        return True
    if kind == "match":
        text = spec["query"] if isinstance(spec, dict) else spec
        operator = spec.get("operator", "or") if isinstance(spec, dict) else "or"
        wanted = analyse(text)
        if not wanted:
            return False
        have = set(analyse(value))
        return all(w in have for w in wanted) if operator == "and" else any(w in have for w in wanted)
    if kind == "wildcard":
        pattern = spec["value"] if isinstance(spec, dict) else spec
        insensitive = isinstance(spec, dict) and spec.get("case_insensitive", False)
        return value is not None and wildcard_regex(pattern, insensitive).match(value) is not None
    if kind == "regexp":
        # Lucene's regular expressions match the whole value; the fixtures'
        # expressions are in the part of the syntax Python's re reads alike.
        pattern = spec["value"] if isinstance(spec, dict) else spec
        insensitive = isinstance(spec, dict) and spec.get("case_insensitive", False)
        flags = re.DOTALL | (re.IGNORECASE if insensitive else 0)
        return value is not None and re.fullmatch(pattern, value, flags) is not None
    raise ValueError(f"unsupported query [{kind}]")


def sort_key(doc, sort):
    key = []
    for s in sort:
        (field, spec), = s.items() if isinstance(s, dict) else ((s, "asc"),)
        order = spec if isinstance(spec, str) else spec.get("order", "asc")
        value = field_value(doc, field) if field != "_score" else doc.get("_score", 0)
        key.append((value, order))
    return key


def sort_docs(docs, sort):
    for s in reversed(sort):
        (field, spec), = s.items() if isinstance(s, dict) else ((s, "asc"),)
        order = spec if isinstance(spec, str) else spec.get("order", "asc")
        docs.sort(key=lambda d: (field_value(d, field) if field != "_score" else d["_score"]), reverse=(order == "desc"))
    return docs


def score(doc, query):
    """BM25-like enough for ordering: matched term frequency over the field's length."""
    found = []

    def walk(q):
        if not isinstance(q, dict):
            return
        for kind, body in q.items():
            if kind == "match":
                (field, spec), = body.items()
                text = spec["query"] if isinstance(spec, dict) else spec
                found.append((field, analyse(text)))
            elif kind == "bool":
                for clause in ("must", "should"):
                    items = body.get(clause, [])
                    for item in items if isinstance(items, list) else [items]:
                        walk(item)
    walk(query)
    total = 0.0
    for field, words in found:
        tokens = analyse(field_value(doc, field))
        if tokens:
            total += sum(tokens.count(w) for w in words) / (len(tokens) ** 0.5)
    return total


def aggregate(docs, aggs):
    out = {}
    for name, spec in aggs.items():
        if "terms" in spec:
            field = spec["terms"]["field"]
            counts = {}
            for d in docs:
                v = field_value(d, field)
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
            # order: Elasticsearch's default (count down, then key up), or
            # the criteria given, applied last first (stable sorts).
            order = spec["terms"].get("order", [{"_count": "desc"}, {"_key": "asc"}])
            order = order if isinstance(order, list) else [order]
            buckets = sorted(counts.items(), key=lambda kv: kv[0])
            for criterion in reversed(order):
                (what, direction), = criterion.items()
                buckets.sort(key=(lambda kv: kv[1]) if what == "_count" else (lambda kv: kv[0]), reverse=direction == "desc")
            buckets = buckets[: spec["terms"].get("size", 10)]
            out[name] = {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                         "buckets": [dict({"key": k, "doc_count": c},
                                          **aggregate([d for d in docs if field_value(d, field) == k], spec.get("aggs", {})))
                                     for k, c in buckets]}
        elif "date_histogram" in spec:
            field = spec["date_histogram"]["field"]
            # time_zone: days are that zone's calendar days; a bucket's key is its start, in ms UTC.
            zone = zoneinfo.ZoneInfo(spec["date_histogram"].get("time_zone", "UTC"))
            counts = {}
            for d in docs:
                value = field_value(d, field)
                if field == "timestamp":
                    day = datetime.datetime.fromtimestamp(int(value) / 1000, zone).date().isoformat()
                else:
                    day = str(value)[:10]
                counts[day] = counts.get(day, 0) + 1
            out[name] = {"buckets": [{"key_as_string": day, "key": int(datetime.datetime.fromisoformat(day).replace(
                tzinfo=zone).timestamp() * 1000), "doc_count": c} for day, c in sorted(counts.items())]}
        elif "min" in spec or "max" in spec:
            op = "min" if "min" in spec else "max"
            values = [field_value(d, spec[op]["field"]) for d in docs]
            values = [float(v) for v in values if v is not None]
            out[name] = {"value": (min(values) if op == "min" else max(values)) if values else None}
    return out


def search(index, body):
    data = indices[index]
    query = body.get("query", {"match_all": {}})
    # A search timeout ("500ms", "2s") is best effort, as Elasticsearch's:
    # past it, the hits found so far come back with timed_out true.
    timeout = body.get("timeout")
    deadline = None
    if timeout:
        unit = 0.001 if timeout.endswith("ms") else 1.0
        deadline = time.monotonic() + float(timeout.rstrip("ms")) * unit
    timed_out = False
    docs = []
    for doc_id, source in data["docs"].items():
        if deadline is not None and time.monotonic() > deadline:
            timed_out = True
            break
        d = dict(source, _id=doc_id)
        if matches(d, query):
            d["_score"] = score(d, query)
            docs.append(d)
    total = len(docs)
    sort = body.get("sort", [{"_score": "desc"}])
    docs = sort_docs(docs, sort)
    after = body.get("search_after")
    if after is not None:
        keyed = [(tuple(v for v, _ in sort_key(d, sort)), d) for d in docs]
        orders = [o for _, o in sort_key(docs[0], sort)] if docs else []

        def later(values):
            for v, a, o in zip(values, after, orders):
                if v == a:
                    continue
                return (v < a) if o == "desc" else (v > a)
            return False
        docs = [d for values, d in keyed if later(values)]
    start = body.get("from", 0)
    size = body.get("size", 10)
    page = docs[start:start + size]
    hits = []
    for d in page:
        hit = {"_index": index, "_id": d["_id"], "_score": d["_score"]}
        if body.get("_source", True) is not False:
            hit["_source"] = {k: v for k, v in d.items() if k not in ("_id", "_score")}
        if "sort" in body:
            hit["sort"] = [v for v, _ in sort_key(d, sort)]
        hits.append(hit)
    matched = [dict(data["docs"][d["_id"]], _id=d["_id"]) for d in docs] if "aggs" in body else None
    answer = {"took": 1, "timed_out": timed_out, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
              "hits": {"total": {"value": total, "relation": "eq"}, "max_score": None, "hits": hits}}
    if "aggs" in body:
        everything = [dict(s, _id=i) for i, s in data["docs"].items() if matches(dict(s, _id=i), query)]
        answer["aggregations"] = aggregate(everything, body["aggs"])
    del matched
    return answer


def bulk(lines, default_index):
    if faults["bulk_429"] > 0:
        faults["bulk_429"] -= 1
        return error(429, "es_rejected_execution_exception", "rejected execution of coordinating operation")
    items, errors = [], False
    it = iter(lines)
    for action_line in it:
        if not action_line.strip():
            continue
        action = json.loads(action_line)
        (op, meta), = action.items()
        index = resolve(meta.get("_index", default_index)) or meta.get("_index", default_index)
        doc_id = meta["_id"]
        source = None if op == "delete" else json.loads(next(it))
        data = indices.setdefault(index, {"mappings": {}, "docs": {}, "aliases": set()})
        if op != "delete" and faults["bulk_item_error"] == doc_id:
            errors = True
            items.append({op: {"_index": index, "_id": doc_id, "status": 400, "error": {
                "type": "mapper_parsing_exception", "reason": "failed to parse field [timestamp] of type [date]"}}})
            continue
        exists = doc_id in data["docs"]
        if op == "delete":
            data["docs"].pop(doc_id, None)
            items.append({"delete": {"_index": index, "_id": doc_id, "_version": 1,
                                     "result": "deleted" if exists else "not_found", "status": 200 if exists else 404}})
        elif op == "create" and exists:
            errors = True
            items.append({"create": {"_index": index, "_id": doc_id, "status": 409, "error": {
                "type": "version_conflict_engine_exception",
                "reason": f"[{doc_id}]: version conflict, document already exists"}}})
        else:
            data["docs"][doc_id] = source
            items.append({op: {"_index": index, "_id": doc_id, "_version": 1,
                               "result": "updated" if exists else "created", "status": 200 if exists else 201,
                               "_shards": {"total": 1, "successful": 1, "failed": 0}}})
    return 200, {"took": 1, "errors": errors, "items": items}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes; with Nagle's algorithm
    # the body waited for the client's delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-elastic-product", "Elasticsearch")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        path, _, query = self.path.partition("?")
        parts = [p for p in path.split("/") if p]
        self.params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        raw = self.body()
        with lock:
            status, answer = self.route(self.command, parts, raw)
        self.reply(status, answer)

    def route(self, method, parts, raw):
        if not parts:
            return 200, {"name": "fake", "cluster_name": "fastdiscorddb-test",
                         "version": {"number": "8.11.0", "lucene_version": "9.8.0"}, "tagline": "You Know, for Search"}
        if parts == ["_cluster", "health"]:
            return 200, {"cluster_name": "fastdiscorddb-test", "status": "green", "timed_out": False,
                         "number_of_nodes": 1, "active_shards_percent_as_number": 100.0}
        if parts == ["_fake", "faults"]:
            faults.update(json.loads(raw or b"{}"))
            return 200, faults
        if parts[-1] == "_bulk":
            return bulk(raw.decode().split("\n"), parts[0] if len(parts) == 2 else None)
        name = parts[0]
        index = resolve(name)
        if len(parts) == 1:
            if method == "HEAD":
                return (200 if index else 404), None
            if method == "PUT":
                if index:
                    return error(400, "resource_already_exists_exception", f"index [{name}/abc] already exists", name)
                body = json.loads(raw or b"{}")
                indices[name] = {"mappings": body.get("mappings", {}), "docs": {},
                                 "aliases": set(body.get("aliases", {}).keys())}
                return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}
            if method == "DELETE":
                if not index:
                    return error(404, "index_not_found_exception", f"no such index [{name}]", name)
                del indices[index]
                return 200, {"acknowledged": True}
        if not index:
            return error(404, "index_not_found_exception", f"no such index [{name}]", name)
        op = parts[1]
        if op == "_alias" and method == "PUT":
            indices[index]["aliases"].add(parts[2])
            return 200, {"acknowledged": True}
        if op == "_mapping" and method == "PUT":
            # Fields may be added, not changed (illegal_argument_exception in Elasticsearch).
            properties = json.loads(raw or b"{}").get("properties", {})
            mine = indices[index]["mappings"].setdefault("properties", {})
            for field, spec in properties.items():
                if field in mine and mine[field].get("type") != spec.get("type"):
                    return error(400, "illegal_argument_exception",
                                 f"mapper [{field}] cannot be changed from type [{mine[field].get('type')}] to [{spec.get('type')}]")
                mine[field] = spec
            return 200, {"acknowledged": True}
        if op == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        docs = indices[index]["docs"]

        def written(doc_id, existed, status_created=201):
            next_seq_no[0] += 1
            seq_nos[(index, doc_id)] = next_seq_no[0]
            return (200 if existed else status_created), {
                "_index": index, "_id": doc_id, "_version": 1, "result": "updated" if existed else "created",
                "_seq_no": next_seq_no[0], "_primary_term": 1, "_shards": {"total": 1, "successful": 1, "failed": 0}}

        def conflict(doc_id, why):
            return error(409, "version_conflict_engine_exception", f"[{doc_id}]: version conflict, {why}", index)

        def stale(doc_id):
            """if_seq_no/if_primary_term given and not the document's current ones."""
            if "if_seq_no" not in self.params:
                return None
            current = seq_nos.get((index, doc_id))
            if doc_id not in docs or current != int(self.params["if_seq_no"]) or self.params.get("if_primary_term") != "1":
                return conflict(doc_id, f"required seqNo [{self.params['if_seq_no']}], primary term "
                                        f"[{self.params.get('if_primary_term')}]. current document has seqNo [{current}]")
            return None

        if op == "_create":
            doc_id = parts[2]
            if doc_id in docs:
                return conflict(doc_id, "document already exists (current version [1])")
            docs[doc_id] = json.loads(raw)
            return written(doc_id, False)
        if op == "_update":
            doc_id = parts[2]
            body = json.loads(raw or b"{}")
            if doc_id not in docs:
                if "upsert" not in body:
                    return error(404, "document_missing_exception", f"[{doc_id}]: document missing", index)
                docs[doc_id] = body["upsert"]
                return written(doc_id, False)
            docs[doc_id] = dict(docs[doc_id], **body.get("doc", {}))
            return written(doc_id, True)
        if op == "_doc":
            doc_id = parts[2]
            if method == "PUT" or method == "POST":
                refused = stale(doc_id)
                if refused:
                    return refused
                existed = doc_id in docs
                docs[doc_id] = json.loads(raw)
                return written(doc_id, existed)
            if method == "DELETE":
                refused = stale(doc_id)
                if refused:
                    return refused
                if doc_id not in docs:
                    return 404, {"_index": index, "_id": doc_id, "_version": 1, "result": "not_found"}
                del docs[doc_id]
                seq_nos.pop((index, doc_id), None)
                next_seq_no[0] += 1
                return 200, {"_index": index, "_id": doc_id, "_version": 2, "result": "deleted",
                             "_seq_no": next_seq_no[0], "_primary_term": 1}
            if doc_id not in docs:
                return 404, {"_index": index, "_id": doc_id, "found": False}
            return 200, {"_index": index, "_id": doc_id, "_version": 1, "_seq_no": seq_nos.get((index, doc_id), 0),
                         "_primary_term": 1, "found": True, "_source": docs[doc_id]}
        if op == "_search":
            if faults["search_500"] > 0:
                faults["search_500"] -= 1
                return error(500, "search_phase_execution_exception", "all shards failed")
            try:
                return 200, search(index, json.loads(raw or b"{}"))
            except ValueError as e:
                return error(400, "parsing_exception", str(e))
        if op == "_count":
            body = json.loads(raw or b"{}")
            n = sum(1 for i, s in indices[index]["docs"].items() if matches(dict(s, _id=i), body.get("query")))
            return 200, {"count": n, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
        return error(400, "illegal_argument_exception", f"unsupported request {method} /{'/'.join(parts)}")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
