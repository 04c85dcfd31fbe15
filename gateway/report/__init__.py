"""The term report in the gateway: the figures of every service put together, the report's
GraphQL data and mutations, and the report as a web page, a PDF and a Word document."""
