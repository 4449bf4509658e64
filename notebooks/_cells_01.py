"""Cells of 01-quickstart.ipynb (written by _build.py)."""

from _build import md, py

CELLS = [
    md(
        """
        # Quickstart: from seven raw exports to the journey map and its pain points

        A company's customer journeys are scattered over its systems: web analytics,
        the mobile app, the email platform, the call centre, the chat tool, the
        stores and the ticket system. Each export has its own column names, its own
        customer identifier and its own idea of a timestamp.

        This notebook turns the raw multichannel sample that ships with journeymine
        (`data/samples/`, described in its `README.md`) into one journey log, and then
        into a journey map and a ranked list of what to fix first:

        1. load each source, mapping its columns once;
        2. stitch identities with the crosswalk;
        3. cut each customer's history into journeys;
        4. draw the journey map;
        5. find the top pain points, and check them against what was planted in the
           sample.
        """
    ),
    py(
        """
        import warnings

        import matplotlib.pyplot as plt
        import pandas as pd

        import journeymine as jm
        from journeymine.datasets import sample_path

        # warnings as one line each, without file paths
        warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\\n"
        plt.rcParams["figure.dpi"] = 80
        pd.set_option("display.max_columns", 12)
        pd.set_option("display.width", 160)
        pd.set_option("display.max_colwidth", 60)
        jm.__version__
        """
    ),
    md(
        """
        ## 1. The raw exports

        `sample_path(name)` gives the path of each file. Here is what the web analytics
        export looks like before journeymine touches it: a cookie, an event name, an
        ISO timestamp and the site section (which department owns the page).
        """
    ),
    py(
        """
        pd.read_csv(sample_path("web_events.csv")).head(3)
        """
    ),
    md(
        """
        Each loader takes the **source** column names of the canonical fields
        (`customer`, `activity`, `timestamp`, `channel`, `department`, `resource`,
        `direction`), and `labels` for values that are constant for the whole source:
        every row of the web export is on the `web` channel and initiated by the
        customer (`inbound`). Timestamps are normalised to UTC: the app's have a
        `+01:00` offset, the store's are naive local Amsterdam time (`tz=`), the
        chat's are day-first (`timestamp_format=`).
        """
    ),
    py(
        """
        web = jm.read_csv(sample_path("web_events.csv"), name="web",
                          customer="cookie", activity="event_name", timestamp="event_time",
                          department="site_section",
                          labels={"channel": "web", "direction": "inbound"})
        app = jm.read_json(sample_path("app_events.jsonl"), name="app",
                           customer="device_id", activity="event", timestamp="ts",
                           labels={"channel": "app", "department": "onboarding", "direction": "inbound"})
        email = jm.read_csv(sample_path("email_events.csv"), name="email",
                            customer="recipient", activity="campaign", timestamp="sent_at",
                            department="team",
                            labels={"channel": "email", "direction": "outbound"})
        calls = jm.read_csv(sample_path("calls.csv"), name="calls",
                            customer="phone_number", activity="call_reason", timestamp="call_start",
                            resource="agent",
                            labels={"channel": "phone", "department": "support", "direction": "inbound"})
        chat = jm.read_csv(sample_path("chat.csv"), name="chat",
                           customer="customer_email", activity="topic", timestamp="started",
                           timestamp_format="%d/%m/%Y %H:%M:%S",
                           department="team", resource="agent", direction="direction",
                           labels={"channel": "chat"})
        store = jm.read_csv(sample_path("store_visits.csv"), name="store",
                            customer="member_id", activity="purpose", timestamp="visit_time",
                            tz="Europe/Amsterdam", resource="staff",
                            labels={"channel": "store", "department": "sales", "direction": "inbound"})
        tickets = jm.read_csv(sample_path("tickets.csv"), name="tickets",
                              customer="customer_no", activity="event", timestamp="created_at",
                              channel="channel", department="department", direction="direction",
                              resource="agent", keep=["ticket_id"])
        sources = [web, app, email, calls, chat, store, tickets]
        for source in sources:
            print(f"{source.name:8}", source)
        """
    ),
    md(
        """
        The warnings above are not noise: eight rows could not be used (an impossible
        date, a missing timestamp, an exact duplicate, ...). They are never dropped
        silently; each log keeps them in `rejected`, with the reason, so they can go
        back to whoever owns the export.
        """
    ),
    py(
        """
        pd.concat([s.rejected.assign(source=s.name) for s in sources])[["source", "row", "reason"]]
        """
    ),
    md(
        """
        ## 2. One customer, many identifiers

        The web export knows a cookie, the app a device id, email and chat an address,
        the call centre a phone number, the stores and the ticket system a CRM number.
        The identity crosswalk links them: each row links identifiers of one person,
        and links are transitive (a cookie linked to an email address in one row, that
        address linked to the CRM number in another).
        """
    ),
    py(
        """
        identities = pd.read_csv(sample_path("identities.csv"), dtype=str)
        identities.head()
        """
    ),
    md(
        """
        `combine` stitches the sources: `keys` says which crosswalk column each
        source's customer ids belong to, and `primary` names the stitched customer
        (here by CRM number). Identifiers the crosswalk does not know stay customers of
        their own; `log.stitching` counts them, so you know how much of the picture is
        anonymous.
        """
    ),
    py(
        """
        log = jm.combine(sources, identities=identities,
                         keys=["cookie_id", "device_id", "email", "phone", "email", "crm_id", "crm_id"],
                         primary="crm_id")
        print(log)
        log.stitching
        """
    ),
    md(
        """
        ## 3. From customers to journeys

        After stitching, each customer's whole year is one sequence. A customer who
        bought in March and came back in October made two journeys: `split_journeys`
        starts a new journey after 30 days without any touchpoint.

        Journeys whose last event is within those 30 days of the end of the data are
        marked **ongoing**: they may simply not have finished yet, so no analysis will
        count them as lost.
        """
    ),
    py(
        """
        journeys = jm.split_journeys(log, inactivity="30D")
        print(journeys)
        journeys.summary()
        """
    ),
    py(
        """
        journeys.cases.head()
        """
    ),
    md(
        """
        ## 4. The journey map

        `discover` counts, for every pair of touchpoints, how many journeys went
        directly from one to the other and how long it took. `plot_journey` draws it
        left to right: the main path straight, steps back as orange arcs, edge width by
        journeys. Twenty-eight touchpoints and over a hundred distinct steps do not fit
        on one readable picture, so `max_nodes` keeps the most frequent paths, and the
        caption says how much that hides.
        """
    ),
    py(
        """
        graph = jm.discover(journeys)
        print(graph)
        jm.plot_journey(graph, max_nodes=14, title="Observed journeys of the sample's customers")
        plt.show()
        """
    ),
    md(
        """
        The same map by channel shows how customers move between channels
        (`collapse_repeats` merges runs on one channel into one visit):
        """
    ),
    py(
        """
        channels = jm.discover(journeys, level="channel", collapse_repeats=True)
        jm.plot_journey(channels, title="Channel switching")
        plt.show()
        """
    ),
    md(
        """
        Behind the picture are plain tables: `graph.nodes` and `graph.edges`, with the
        median, mean and 90th-percentile time of every step.
        """
    ),
    py(
        """
        graph.edges.head(8)
        """
    ),
    md(
        """
        ## 5. What to fix first

        `pain_points` runs every analyzer (drop-offs, dead ends, ping-pong handoffs,
        silent gaps, repeat contacts, unanswered contacts, loops) and keeps only the
        problems that cost something. Each row is one problem (findings at the same
        place that describe the same journeys are merged; `kind` lists them) with its
        cost in three currencies, each with a 95% interval: conversions lost, hours
        customers spent waiting on the company beyond the usual, and extra effort
        (handoffs, contacts and bounces beyond comparable journeys). The default
        ranking (`rank="balanced"`) adds, per currency, the share of the log's total
        that the problem costs at least.
        """
    ),
    py(
        """
        pain = jm.pain_points(journeys, goal="purchase")
        pain[["rank", "kind", "where", "journeys_affected", "conversions_lost",
              "hours_lost", "extra_effort", "score"]].head(8).round(2)
        """
    ),
    py(
        """
        for row in pain.head(8).itertuples():
            print(f"{row.rank}. {row.kind} at {row.where}: {row.detail}")
        """
    ),
    md(
        """
        ## 6. Did it find what is really there?

        The sample was simulated with known problems planted in it
        (`jm.datasets.PLANTED`), so we can check the top findings against the truth:
        """
    ),
    py(
        """
        for kind in ("drop_off", "ping_pong", "silent_gap", "dead_end", "repeat_contact"):
            print(f"{kind}: {jm.datasets.PLANTED[kind]['description']}\\n")
        """
    ),
    md(
        """
        Where do these planted problems rank in the table? (The repeat contacts are
        analysed by channel, so the planted *email support → chat with support* repeat
        is the `email → chat` row.)
        """
    ),
    py(
        """
        planted = {
            "drop_off": "enter payment details",
            "ping_pong": "support → billing → support",
            "silent_gap": "support ticket opened → support reply",
            "dead_end": "legacy help page",
            "repeat_contact": "email → chat",
        }
        def found(kind, where):
            # the pain point at `where` whose kinds include `kind` (merged rows list several)
            hit = pain[(pain["where"] == where) & pain["kind"].str.split("+").map(lambda k: kind in k)]
            return hit.iloc[0] if len(hit) else None

        pd.DataFrame(
            [
                {"kind": kind, "planted at": where,
                 "rank": None if found(kind, where) is None else found(kind, where)["rank"],
                 "row": None if found(kind, where) is None else found(kind, where)["kind"]}
                for kind, where in planted.items()
            ]
        )
        """
    ),
    md(
        """
        Every planted problem is in the table, and the planted silent gap and payment
        drop-off lead it. The planted dead end is one row with the drop-off at the
        same page and the handoff that leads into it: they describe the same
        journeys, so they are counted once. The rows between them are real too:
        *cancel* is a dead end by definition (nobody buys after cancelling), and the
        onboarding ↔ support bounces cost customers handoffs they should not need.

        ## Next

        * `02-handoffs-and-silence.ipynb`: handoffs, silent gaps and repeat contacts in
          depth, on this sample and on two real logs.
        * `03-assumed-vs-observed.ipynb`: the journey the team designed against this
          data, segments and personas, with tests.
        * `04-funnels-bpic2012.ipynb`: funnels and drop-offs of real loan applications.
        * `05-notebook-to-schedule.ipynb`: this analysis as a scheduled
          `journeymine run`.
        """
    ),
]
