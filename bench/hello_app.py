"""The bare baseline: what gunicorn and Flask cost before the portal does any work."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.post("/")
def accept():
    request.get_json(silent=True)  # read the body, as the vote endpoint does
    return jsonify(ok=True)
