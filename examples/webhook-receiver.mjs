import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const webhook = new Webhook(process.env.WEBHOOK_SECRET); // the whsec_… the bridge showed once
const seen = new Set(); // a retry keeps its webhook-id: deliver each once

createServer(async (request, response) => {
  let body = "";
  for await (const chunk of request) body += chunk;
  try {
    const entry = webhook.verify(body, request.headers); // throws on a bad signature or an old timestamp
    const id = request.headers["webhook-id"];
    if (!seen.has(id)) console.log(id, entry.name, entry.headers?.Channel);
    seen.add(id);
    response.writeHead(204).end();
  } catch {
    response.writeHead(400).end();
  }
}).listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
