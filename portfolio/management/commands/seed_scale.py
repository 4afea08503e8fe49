import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolio import scale


class Command(BaseCommand):
    help = (
        "Add a generated portfolio at scale beside the existing data (the demo is kept): "
        "priorities over a dozen departments with sub-targets, measures, trajectories, "
        "actuals, milestones, published assessment rounds, stocktakes and task forces with "
        "their meetings, and actions. 300 priorities give about 1,000 measures, 60,000 actuals, "
        "10 rounds and 5,000 actions. Repeatable: the same --seed and as-at date give the same "
        "data; each seed's set is coded 'G<seed> ...', and a seed already in the database is "
        "refused, so run again with another --seed for a second set. Written with bulk inserts: "
        "generated rows have no change history (django-simple-history is skipped), which is "
        "acceptable for generated data. Refuses to run when DJANGO_MODE=production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = scale.Options()
        parser.add_argument("--priorities", type=int, default=defaults.priorities)
        parser.add_argument(
            "--measures",
            type=float,
            default=defaults.measures,
            help=f"Measures per priority on average (default {defaults.measures}).",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=defaults.months,
            help=f"Months of actuals up to the as-at date (default {defaults.months}).",
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=defaults.rounds,
            help=f"Published six-monthly assessment rounds (default {defaults.rounds}).",
        )
        parser.add_argument(
            "--actions",
            type=int,
            default=None,
            help="Actions in the tracker (default: 50 for every 3 priorities).",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--as-at",
            type=date.fromisoformat,
            default=None,
            help="The date the data runs up to, YYYY-MM-DD (default: the workbench's today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = scale.Options(
            priorities=options["priorities"],
            measures=options["measures"],
            months=options["months"],
            rounds=options["rounds"],
            actions=options["actions"],
            seed=options["seed"],
            as_at=options["as_at"],
        )
        started = time.perf_counter()
        try:
            generated = scale.generate(chosen)
        except scale.Refused as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated set {generated.prefix} as at {generated.as_at:%d %B %Y} "
                f"in {seconds:.1f} s:"
            )
        )
        for line in scale.describe(generated.counts):
            self.stdout.write(line)
