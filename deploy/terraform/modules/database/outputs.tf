output "database_url" {
  description = "SQLAlchemy URL for DATABASE_URL"
  value       = "postgresql+psycopg://${var.username}:${random_password.master.result}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${var.database_name}?sslmode=require"
  sensitive   = true
}

output "address" {
  value = aws_db_instance.this.address
}

output "instance_id" {
  value = aws_db_instance.this.identifier
}
