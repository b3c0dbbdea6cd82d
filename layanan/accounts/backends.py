"""Django's model backend, loading the logged-in user with what every page shows of them."""

from django.contrib.auth.backends import ModelBackend

from layanan.accounts.models import User


class AccountBackend(ModelBackend):
    """Every page names the user's village and kecamatan (staff) or their profile's
    (residents): one query with the joins instead of three or four per request."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related(
                "village__district", "profile__village__district"
            ).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
