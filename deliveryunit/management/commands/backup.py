from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deliveryunit import backups


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump for PostgreSQL) and every stored "
        "file (documents, uploads) into one .tar.gz with a manifest of checksums."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--output",
            type=Path,
            help="Archive to write (default: backup-<date-time>.tar.gz in the current folder).",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        output = options["output"] or Path(f"backup-{timezone.now():%Y%m%d-%H%M%S}.tar.gz")
        try:
            manifest = backups.backup(output)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        media = sum(1 for name in manifest.files if name.startswith(backups.MEDIA_PREFIX))
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {manifest.engine} database and {media} stored files to {output}."
            )
        )
