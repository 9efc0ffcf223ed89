#!/usr/bin/env python3
"""The damage fuzzer: damages copies of a sound store at random and checks
what every part of relayers does with them.

    damage.py BUILD_DIR WORK_DIR TEMPLATE LAYOUT CASES_PER_KIND SEED

Prints one line per assertion, "PASS name" or "FAIL name<TAB>why", for
run.sh to count.  For each case: a login through the real module (must
succeed), vsmtprelay dump and mapgen (must end, without crashing), then
check --repair, after which the store must pass check, mapgen must export
it, and every entry whose bytes (record header, key, data) the damage
did not touch must be there with its stamp.  A repair may refuse (65)
only when no entry was left untouched, and must then leave the file as
it was."""

import os
import random
import shutil
import subprocess
import sys

build, work, template, layout_file, per_kind, seed = sys.argv[1:7]
per_kind = int(per_kind)
rng = random.Random(int(seed))
V = os.path.join(build, "vsmtprelay")
MAPGEN = os.path.join(build, "mapgen")
LOGINS = os.path.join(build, "tests", "pam-logins")
CONF = os.path.join(work, "conf")
STORE = os.path.join(work, "case", "relayers.tdb")
MAP = os.path.join(work, "map", "relayers")
PAGE = 4096

entries, free, marker = [], [], None
hash_size = data_start = 0
with open(layout_file) as f:
    for line in f:
        kind, *rest = line.split()
        if kind == "E":
            entries.append((int(rest[0]), int(rest[1]), rest[2], rest[3]))
        elif kind == "F":
            free.append((int(rest[0]), int(rest[1])))
        elif kind == "M":
            marker = (int(rest[0]), int(rest[1]))
        elif kind == "T":
            hash_size, data_start = int(rest[0]), int(rest[1])
size = os.path.getsize(template)
with open(template, "rb") as f:
    pristine = f.read()
failures = 0


def say(ok, name, why=""):
    global failures
    if ok:
        print("PASS", name)
    else:
        failures += 1
        print("FAIL %s\t%s" % (name, why))
    sys.stdout.flush()


def run(args, limit=30):
    """(exit status, stdout, stderr); 124 on a hang, -N on signal N."""
    try:
        p = subprocess.run(args, capture_output=True, text=True,
                           errors="replace", timeout=limit)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %d s" % limit


def sane(status):
    """Ended by itself, without a crash or a sanitizer report."""
    return 0 <= status < 124


def random_bytes(lo, hi, count):
    """count random bytes at random offsets in [lo, hi)."""
    ranges = []
    for _ in range(count):
        off = rng.randrange(lo, hi)
        ranges.append((off, off + 1, bytes([rng.randrange(256)])))
    return ranges


def make_damage(kind):
    """A list of (start, end, new bytes or None for truncation)."""
    n = rng.randint(1, 8)
    if kind == "header":
        return random_bytes(0, 168, n)
    if kind == "hashtable":
        return random_bytes(168, data_start, n)
    if kind == "records":
        return random_bytes(data_start, size, n)
    if kind == "freelist":
        ranges = []
        for _ in range(n):
            if not free or rng.random() < 0.2:
                ranges += random_bytes(168, 172, 1)  # the list's head
            else:
                off, _span = rng.choice(free)
                ranges += random_bytes(off, off + 24, 1)
        return ranges
    if kind == "truncate":
        cut = rng.randrange(0, size)
        return [(cut, size, None)]
    if kind == "zeropage":
        page = rng.randrange(0, (size + PAGE - 1) // PAGE) * PAGE
        end = min(page + PAGE, size)
        return [(page, end, bytes(end - page))]
    raise ValueError(kind)


def apply_damage(path, damage):
    with open(path, "r+b") as f:
        for start, end, new in damage:
            if new is None:
                f.truncate(start)
            else:
                f.seek(start)
                f.write(new)


def untouched(damage):
    def hit(off, span):
        return any(start < off + span and off < end for start, end, _ in damage)
    return {(k, v) for off, span, k, v in entries if not hit(off, span)}


def dump_pairs(text):
    return {tuple(line.split("\t", 1)) for line in text.splitlines() if "\t" in line}


def login(addr):
    return run([LOGINS, "-d", CONF, "-r", addr, "-v", STORE], 30)


def one_case(kind, number):
    name = "%s %d" % (kind, number)
    os.makedirs(os.path.dirname(STORE), exist_ok=True)
    shutil.copyfile(template, STORE)
    os.chmod(STORE, 0o600)
    damage = make_damage(kind)
    apply_damage(STORE, damage)
    keep = untouched(damage)

    status, out, err = login("192.0.2.77")
    say(status == 0, name + ": the login succeeds", "exit %d: %s" % (status, err.strip()[-300:]))
    status, out, err = run([V, "-f", STORE, "dump"])
    say(sane(status), name + ": dump ends without a crash", "exit %d: %s" % (status, err[-300:]))
    status, out, err = run([MAPGEN, "-f", STORE, "-o", MAP])
    say(sane(status), name + ": mapgen ends without a crash", "exit %d: %s" % (status, err[-300:]))
    with open(STORE, "rb") as f:
        before_repair = f.read()
    # tdb trusts a free record's length: a login into a store whose free
    # list is damaged can write over records the damage did not reach.
    # Those the repair cannot bring back either; "intact" is what the
    # repair finds unchanged.
    keep = {(k, v) for off, span, k, v in entries if (k, v) in keep and
            before_repair[off:off + span] == pristine[off:off + span]}

    status, out, err = run([V, "-f", STORE, "check", "--repair"], 120)
    left = sorted(os.listdir(os.path.dirname(STORE)))
    say(left == ["relayers.tdb"], name + ": no scratch file left", " ".join(left))
    if status == 65:
        with open(STORE, "rb") as f:
            after = f.read()
        say(after == before_repair, name + ": a refused repair leaves the file as it was")
        say(not keep, name + ": refused only when no entry was left intact",
            "%d intact entries, refused: %s" % (len(keep), err.strip()[-300:]))
        return
    say(status == 0, name + ": check --repair succeeds", "exit %d: %s" % (status, err.strip()[-400:]))
    if status != 0:
        return
    status, out, err = run([V, "-f", STORE, "check"])
    say(status == 0, name + ": the repaired store passes check", err.strip()[-300:])
    status, out, err = run([V, "-f", STORE, "dump"])
    got = dump_pairs(out)
    lost = keep - got
    say(status == 0 and not lost, name + ": every intact entry is kept (%d)" % len(keep),
        "exit %d, %d lost, e.g. %s" % (status, len(lost), sorted(lost)[:3]))
    # tdb has no checksum over data: a damaged digit of a stamp cannot be
    # told from a real one, so a touched entry may come back changed.
    written = {(k, v) for _o, _s, k, v in entries}
    touched_keys = {k for k, _v in written - keep}
    foreign = {p for p in got if p not in written and p[0] not in touched_keys
               and not p[0].startswith("192.0.2.")}
    say(not foreign, name + ": nothing but written entries comes back",
        "e.g. %s" % sorted(foreign)[:3])
    status, out, err = run([MAPGEN, "-f", STORE, "-o", MAP])
    say(status == 0, name + ": mapgen exports the repaired store", err.strip()[-300:])
    status, out, err = login("192.0.2.78")
    say(status == 0 and "192.0.2.78 ok" in out,
        name + ": a login after the repair is recorded", err.strip()[-300:])


KINDS = ["header", "hashtable", "records", "freelist", "truncate", "zeropage"]
for number in range(per_kind):
    for kind in KINDS:
        one_case(kind, number)
sys.exit(1 if failures else 0)
