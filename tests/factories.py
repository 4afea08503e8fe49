import factory
from django.contrib.auth.hashers import make_password

from deliveryunit.models import Department, Role, User

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = make_password(PASSWORD)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    role = Role.ANALYST
    password = _PASSWORD_HASH
