"""A chat endpoint that talks to two providers."""
from anthropic import Anthropic
from openai import OpenAI

# TODO: move these out of the code before the demo
openai_client = OpenAI(api_key="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")
claude = Anthropic(api_key="sk-ant-api03-PYZNFeHFXlwDpvt1lYmzB5Uvoad-_q5QMegD5vfX3r1HDY0hWokTpXtZVuRT-L-K4kxegm7LKhgiXWnhiId2BJKKO8NqOAA")


def answer(question: str) -> str:
    reply = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": question}],
    )
    return reply.choices[0].message.content
