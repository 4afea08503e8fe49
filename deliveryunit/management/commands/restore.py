from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deliveryunit import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: the whole archive is checked first (format, "
        "database engine, every checksum); a damaged or non-matching archive changes nothing. "
        "The database and the stored files are then replaced by the archive's."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the archive against its manifest and this app; restore nothing.",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = options["archive"]
        try:
            if options["check"]:
                manifest = backups.verify(path)
                verb = "checks out"
            else:
                manifest = backups.restore(path)
                verb = "restored"
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        media = sum(1 for name in manifest.files if name.startswith(backups.MEDIA_PREFIX))
        self.stdout.write(
            self.style.SUCCESS(
                f"{path} {verb}: the {manifest.engine} database of {manifest.created_at} "
                f"and {media} stored files."
            )
        )
