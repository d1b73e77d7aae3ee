// The rule most gateway tests start from: readers may GET orders. One copy, so a test that only
// needs "some valid role map" does not restate it, and its id is the one their assertions name.

export const ORDERS_READ_RULE = {
  id: "orders-read",
  methods: ["GET"],
  path: "/orders/**",
  require: { roles: { anyOf: ["reader"] } },
};
