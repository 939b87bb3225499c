/** The API service (REST, GraphQL, WebSocket, webhooks) arrives with issue 5. */
export {};
