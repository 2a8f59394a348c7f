"""twofa-redis: render, check and operate the SMS OTP Redis of the 2FA backend."""

__version__ = "0.1.0"
