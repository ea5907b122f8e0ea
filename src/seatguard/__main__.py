from seatguard.cli import app

app()
