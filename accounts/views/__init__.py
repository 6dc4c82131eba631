"""Views of the accounts app outside the admin's model pages."""
