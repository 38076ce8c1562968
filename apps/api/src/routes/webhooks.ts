// Webhook subscribers of the token's tenant (POST, GET and DELETE
// /v1/webhooks) and its dead events (GET /v1/events/dead). The signing
// secret appears once, in the response to POST; no other response has it.
import { createRoute, z } from "@hono/zod-openapi";
import {
  createSubscriber,
  deleteSubscriber,
  InvalidSubscriberError,
  listSubscribers,
  listTenantDeadEvents,
  type SubscriberSummary,
} from "@tapeline/core/webhooks";
import { authErrorDocs, errorDoc, principalOf, type App, type AppDependencies } from "../context.ts";
import { ApiError } from "../errors.ts";

const SubscriberSchema = z
  .object({
    id: z.string().uuid(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    active: z.boolean(),
    description: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("WebhookSubscriber");

const CreatedSubscriberSchema = SubscriberSchema.extend({
  secret: z.string().openapi({
    description: "The HMAC-SHA256 signing key of this subscriber's deliveries; shown only in this response",
  }),
}).openapi("WebhookSubscriberCreated");

const NewSubscriberSchema = z
  .object({
    url: z.string().min(1).max(2048).openapi({ example: "https://hooks.example.com/tapeline" }),
    eventTypes: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(100)
      .openapi({ example: ["import.completed"], description: 'Event types to receive; ["*"] for all' }),
    description: z.string().max(500).optional(),
  })
  .openapi("NewWebhookSubscriber");

const DeadEventSchema = z
  .object({
    id: z.string().uuid(),
    type: z.string(),
    aggregateType: z.string(),
    aggregateId: z.string().uuid(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("DeadEvent");

const WebhookParamsSchema = z.object({
  webhookId: z
    .guid({ error: "expected a UUID such as 3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31" })
    .transform((value) => value.toLowerCase())
    .openapi({ param: { name: "webhookId", in: "path" }, format: "uuid" }),
});

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/webhooks",
  tags: ["webhooks"],
  summary: "Subscribe a URL to the tenant's events; the response carries the signing secret once",
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { "application/json": { schema: NewSubscriberSchema } } } },
  responses: {
    201: {
      description: "The subscriber, active, with its secret",
      content: { "application/json": { schema: CreatedSubscriberSchema } },
    },
    400: errorDoc("Invalid URL or event types"),
    ...authErrorDocs,
  },
});

const listRouteDef = createRoute({
  method: "get",
  path: "/v1/webhooks",
  tags: ["webhooks"],
  summary: "The tenant's webhook subscribers, without their secrets",
  security: [{ bearerAuth: [] }],
  responses: {
    200: {
      description: "Every subscriber, oldest first",
      content: { "application/json": { schema: z.object({ items: z.array(SubscriberSchema) }) } },
    },
    ...authErrorDocs,
  },
});

const deleteRouteDef = createRoute({
  method: "delete",
  path: "/v1/webhooks/{webhookId}",
  tags: ["webhooks"],
  summary: "Delete a subscriber and its delivery records",
  security: [{ bearerAuth: [] }],
  request: { params: WebhookParamsSchema },
  responses: {
    204: { description: "Deleted" },
    400: errorDoc("webhookId is not a UUID"),
    404: errorDoc("No such subscriber for this tenant"),
    ...authErrorDocs,
  },
});

const deadRouteDef = createRoute({
  method: "get",
  path: "/v1/events/dead",
  tags: ["webhooks"],
  summary: "The tenant's dead events: delivery or handling failed on every attempt",
  description:
    "A dead event holds back the later events of its aggregate. An operator replays it " +
    "with `pnpm tapeline events replay ID`.",
  security: [{ bearerAuth: [] }],
  responses: {
    200: {
      description: "Up to 100 dead events, oldest first",
      content: { "application/json": { schema: z.object({ items: z.array(DeadEventSchema) }) } },
    },
    ...authErrorDocs,
  },
});

const serialize = (subscriber: SubscriberSummary) => ({
  ...subscriber,
  createdAt: subscriber.createdAt.toISOString(),
});

export function registerWebhookRoutes(app: App, deps: AppDependencies): void {
  app.openapi(createRouteDef, async (c) => {
    const { tenantId, actor } = principalOf(c);
    const body = c.req.valid("json");
    try {
      const { subscriber, secret } = await createSubscriber(deps.db, tenantId, body, actor);
      c.header("Location", `/v1/webhooks/${subscriber.id}`);
      return c.json({ ...serialize(subscriber), secret }, 201);
    } catch (error) {
      if (error instanceof InvalidSubscriberError) throw new ApiError(400, error.code, error.message);
      throw error;
    }
  });

  app.openapi(listRouteDef, async (c) => {
    const { tenantId } = principalOf(c);
    const items = await listSubscribers(deps.db, tenantId);
    return c.json({ items: items.map(serialize) }, 200);
  });

  app.openapi(deleteRouteDef, async (c) => {
    const { tenantId, actor } = principalOf(c);
    const { webhookId } = c.req.valid("param");
    if (!(await deleteSubscriber(deps.db, tenantId, webhookId, actor))) {
      throw new ApiError(404, "WEBHOOK_NOT_FOUND", `No webhook subscriber with id ${webhookId}.`);
    }
    return c.body(null, 204);
  });

  app.openapi(deadRouteDef, async (c) => {
    const { tenantId } = principalOf(c);
    const items = await listTenantDeadEvents(deps.db, tenantId);
    return c.json(
      { items: items.map((event) => ({ ...event, createdAt: event.createdAt.toISOString() })) },
      200,
    );
  });
}
