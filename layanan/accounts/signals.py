"""What accounts announce to the apps above them (which register receivers in their
AppConfig.ready): accounts never imports them."""

from django.dispatch import Signal

# A staff member stopped working for their village (deactivated, or replaced as head),
# inside the transaction that records it: ``staff`` is the account. Documents revokes their
# signing certificate.
staff_left_office = Signal()
