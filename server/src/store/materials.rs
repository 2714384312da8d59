//! The `materials` rows: one per slot of an application, naming its encrypted object.
//! The objects themselves are in the storage; their deletion is [`super::objects`].

use super::{Db, StoreError};

/// A slot's row. `file_name` is sealed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MaterialRow {
    pub slot: String,
    pub file_name: Vec<u8>,
    pub kind: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub pages: Option<i64>,
    pub uploaded_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ObjectRow {
    pub object: String,
    #[sqlx(flatten)]
    pub row: MaterialRow,
}

const COLUMNS: &str =
    "m.slot, m.file_name, m.kind, m.size, m.width, m.height, m.pages, m.uploaded_at";

#[async_trait::async_trait]
pub trait MaterialRepo: Send + Sync {
    /// The row id of `user`'s application `number`.
    async fn owned(&self, user: i64, number: &str) -> Result<Option<i64>, StoreError>;

    /// Points the slot's row at `object`; returns the object it named before.
    async fn put(
        &self,
        application_id: i64,
        object: &ObjectRow,
    ) -> Result<Option<String>, StoreError>;

    /// The rows of `user`'s application `number`, by slot.
    async fn list(&self, user: i64, number: &str) -> Result<Vec<MaterialRow>, StoreError>;

    async fn find(
        &self,
        user: i64,
        number: &str,
        slot: &str,
    ) -> Result<Option<ObjectRow>, StoreError>;

    /// Deletes the slot's row; the object it named.
    async fn remove(
        &self,
        user: i64,
        number: &str,
        slot: &str,
    ) -> Result<Option<String>, StoreError>;
}

#[async_trait::async_trait]
impl MaterialRepo for Db {
    async fn owned(&self, user: i64, number: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM applications WHERE number = $1 AND user_id = $2")
                .bind(number)
                .bind(user)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    async fn put(
        &self,
        application_id: i64,
        object: &ObjectRow,
    ) -> Result<Option<String>, StoreError> {
        let row = &object.row;
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let previous: Option<String> = sqlx::query_scalar(
                "SELECT object FROM materials WHERE application_id = $1 AND slot = $2",
            )
            .bind(application_id)
            .bind(&row.slot)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO materials (application_id, slot, object, kind, size, file_name,
                                        width, height, pages, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (application_id, slot) DO UPDATE SET
                     object = excluded.object, kind = excluded.kind, size = excluded.size,
                     file_name = excluded.file_name, width = excluded.width,
                     height = excluded.height, pages = excluded.pages,
                     uploaded_at = excluded.uploaded_at",
            )
            .bind(application_id)
            .bind(&row.slot)
            .bind(&object.object)
            .bind(&row.kind)
            .bind(row.size)
            .bind(&row.file_name)
            .bind(row.width)
            .bind(row.height)
            .bind(row.pages)
            .bind(row.uploaded_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(previous)
        })
        .await
    }

    async fn list(&self, user: i64, number: &str) -> Result<Vec<MaterialRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM materials m JOIN applications a ON a.id = m.application_id
             WHERE a.number = $1 AND a.user_id = $2 ORDER BY m.slot"
        ))
        .bind(number)
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }

    async fn find(
        &self,
        user: i64,
        number: &str,
        slot: &str,
    ) -> Result<Option<ObjectRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT m.object, {COLUMNS} FROM materials m
             JOIN applications a ON a.id = m.application_id
             WHERE a.number = $1 AND a.user_id = $2 AND m.slot = $3"
        ))
        .bind(number)
        .bind(user)
        .bind(slot)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn remove(
        &self,
        user: i64,
        number: &str,
        slot: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "DELETE FROM materials
             WHERE slot = $1
               AND application_id = (SELECT id FROM applications
                                     WHERE number = $2 AND user_id = $3)
             RETURNING object",
        )
        .bind(slot)
        .bind(number)
        .bind(user)
        .fetch_optional(self.pool())
        .await?)
    }
}
