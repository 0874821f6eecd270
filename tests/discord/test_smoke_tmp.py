import json
async def test_smoke(fake_discord, interact):
    p = fake_discord.command("ask", question="how do I find a mentor?")
    calls = await interact(p)
    print(json.dumps(calls[0].json, indent=1)[:3000])
    print(calls[0].query)
