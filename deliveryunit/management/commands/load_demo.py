from django.core.management.base import BaseCommand

from deliveryunit import demo


class Command(BaseCommand):
    help = "Load the demo departments, users and portfolio. Safe to run more than once."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        logins = demo.load_foundation()
        for loader in demo_loaders():
            loader()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for each: {demo.DEMO_PASSWORD}):")
        for username, role, department in logins:
            self.stdout.write(f"  {username:<10} {role:<22} {department}")


def demo_loaders():  # type: ignore[no-untyped-def]
    """Each app's demo portfolio, in dependency order."""
    loaders = []
    try:
        from priorities.demo import load_priorities
    except ImportError:
        pass
    else:
        loaders.append(load_priorities)
    return loaders
