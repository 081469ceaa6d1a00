"""Cold start and memory of one system: a fresh process that loads it and reads one ticket.

    python bench/coldstart.py NAME       # NAME as in bench/systems.py, e.g. Attune, VADER

Run by ``run_all.py`` once per system: the parent times the whole process (interpreter start,
imports, loading, one 500-character ticket) and reads its peak RSS. Trained baselines load
what ``bench/peers.py`` saved under bench/out/.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TICKET = ("Hi, this is the third time I am writing about the same invoice. Order 40021 was charged twice "
          "and your chat told me yesterday it would be fixed within a day. It is still not fixed, and my "
          "manager is asking why we pay for a service that cannot get billing right. Please call me back "
          "today, I have a meeting at four and need an answer before then.\n\nRegards,\nDana")


def main(name):
    import systems

    cls = next(c for c in (systems.Attune, *systems.PEERS) if c.name == name)
    system = cls.cold()
    system.analyze_one(TICKET)


if __name__ == "__main__":
    main(sys.argv[1])
