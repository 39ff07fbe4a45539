"""Holidays: the days the answer clock stands still (national holidays and cuti bersama)."""
