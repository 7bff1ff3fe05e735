"""Excel import (upload, preview, confirm), export and the blank template."""
